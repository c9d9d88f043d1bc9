namespace Emulator.Tests.Board;

/// <summary>One case a line: <c>INPUT | EXPECTED</c>. INPUT is a whole hw-config.yaml with <c>\n</c>
/// for a line break. EXPECTED is either <c>error LINE:COL: MESSAGE</c>, the single error expected, or
/// <c>KEY=VALUE; ...</c>: the file parses and these settings (as <see cref="HwConfigTests.Flatten"/>
/// prints them) hold. <c>#</c> lines are comments, so an INPUT holding only a comment starts with <c>\n</c>.</summary>
internal static class HwConfigCases
{
    public const string Table = """
        # --- empty files are the defaults -----------------------------------------------------------
        (empty)                                         | backend=sim; transport=usb; usb.vid=0x1d50; usb.pid=0x6199; lockstep=false; pcap=~
        \n# only a comment                              | backend=sim; batch.max-per-sync=256; timeouts.sync=1000ms
        ---\n                                           | backend=sim
        ~                                               | backend=sim
        # --- backend and transport ---------------------------------------------------------------------
        backend: board                                  | backend=board; transport=usb
        backend: sim\ntransport: tcp                    | backend=sim; transport=tcp; socket.tcp=~
        backend: bored                                  | error 1:10: backend must be sim or board, got 'bored'
        backend: Sim                                    | error 1:10: backend must be sim or board, got 'Sim'
        backend:                                        | error 1:9: backend needs a value (sim or board)
        backend: [sim]                                  | error 1:10: backend must be sim or board, got a list
        transport: serial                               | error 1:12: transport must be usb or tcp or unix, got 'serial'
        # --- a board over a socket needs its address ----------------------------------------------------
        backend: board\ntransport: tcp                  | error 2:12: transport tcp with backend board needs socket.tcp (HOST:PORT, e.g. 127.0.0.1:7700), which is missing
        backend: board\ntransport: tcp\nsocket:\n  unix: /x | error 2:12: transport tcp with backend board needs socket.tcp (HOST:PORT, e.g. 127.0.0.1:7700), which is missing
        backend: board\ntransport: unix                 | error 2:12: transport unix with backend board needs socket.unix (a socket path), which is missing
        backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:7700 | backend=board; transport=tcp; socket.tcp=127.0.0.1:7700
        backend: board\ntransport: unix\nsocket:\n  unix: /run/b.sock | transport=unix; socket.unix=/run/b.sock
        backend: board\ntransport: tcp\nsocket:\n  tcp: localhost | error 4:8: socket.tcp: expected HOST:PORT (e.g. 127.0.0.1:7700), got 'localhost'
        # --- socket addresses -----------------------------------------------------------------------
        socket:\n  tcp: "[::1]:7700"                    | socket.tcp=[::1]:7700
        socket:\n  tcp: board.lab:1                     | socket.tcp=board.lab:1
        socket:\n  tcp: ::1:7700                        | error 2:8: socket.tcp: an IPv6 host goes in brackets ([::1]:7700), got '::1:7700'
        socket:\n  tcp: 127.0.0.1:0                     | error 2:8: socket.tcp: the port must be 1..65535, got '0'
        socket:\n  tcp: 127.0.0.1:65536                 | error 2:8: socket.tcp: the port must be 1..65535, got '65536'
        socket:\n  tcp: :7700                           | error 2:8: socket.tcp: expected HOST:PORT (e.g. 127.0.0.1:7700), got ':7700'
        socket:\n  tcp: "[::1]7700"                     | error 2:8: socket.tcp: expected [IPV6]:PORT, got '[::1]7700'
        socket:\n  unix: ""                             | error 2:9: socket.unix must not be empty (leave it out, or write ~, for none)
        socket:\n  unix: {a: 1}                         | error 2:9: socket.unix must be a string, got a mapping
        socket: 127.0.0.1:7700                          | error 1:9: socket must be a mapping of keys (tcp, unix), got '127.0.0.1:7700'
        backend: board\ntransport: unix\nsocket:\n  unix: ""    | error 4:9: socket.unix must not be empty (leave it out, or write ~, for none)
        socket:                                         | socket.tcp=~; socket.unix=~
        # --- numbers: decimal and 0x hex ------------------------------------------------------------------
        usb:\n  vid: 0x1D50\n  pid: 24985               | usb.vid=0x1d50; usb.pid=0x6199
        usb:\n  vid: 0x0483\n  pid: 0x5740              | usb.vid=0x0483; usb.pid=0x5740
        usb:\n  vid: 7504                               | usb.vid=0x1d50
        usb:\n  vid: 0x1_d50                            | usb.vid=0x1d50
        usb:\n  vid: 0xffff                             | usb.vid=0xffff
        usb:\n  vid: 0x10000                            | error 2:8: usb.vid must be 0x0..0xffff, got 0x10000
        usb:\n  pid: -1                                 | error 2:8: usb.pid: expected a number (decimal or 0x hex), got '-1'
        usb:\n  pid: 0x                                 | error 2:8: usb.pid: expected a number (decimal or 0x hex), got '0x'
        usb:\n  pid: 12_                                | error 2:8: usb.pid: expected a number (decimal or 0x hex), got '12_'
        usb:\n  pid: 0xfffffffffffffffffff              | error 2:8: usb.pid: '0xfffffffffffffffffff' is too large
        usb:\n  pid: 1.5                                | error 2:8: usb.pid: expected a number (decimal or 0x hex), got '1.5'
        usb:\n  pid:                                    | error 2:7: usb.pid needs a value (a number)
        usb:\n  pid: {a: 1}                             | error 2:8: usb.pid must be a number, got a mapping
        usb:\n  interface: 255                          | usb.interface=255
        usb:\n  interface: 256                          | error 2:14: usb.interface must be 0..255, got 256
        usb:\n  serial: 0x0001                          | usb.serial=0x0001
        usb:\n  serial: "FPGA-07"                       | usb.serial=FPGA-07
        usb:\n  serial: ""                              | error 2:11: usb.serial must not be empty (leave it out, or write ~, for none)
        usb:\n  serial:                                 | usb.serial=~
        # --- endpoint addresses: direction bit ------------------------------------------------------------
        usb:\n  endpoint-out: 0x02\n  endpoint-in: 0x83 | usb.endpoint-out=0x02; usb.endpoint-in=0x83
        usb:\n  endpoint-out: 1\n  endpoint-in: 129     | usb.endpoint-out=0x01; usb.endpoint-in=0x81
        usb:\n  endpoint-out: 0x0f\n  endpoint-in: 0x8f | usb.endpoint-out=0x0f; usb.endpoint-in=0x8f
        usb:\n  endpoint-out: 0x81                      | error 2:17: usb.endpoint-out must be an OUT endpoint address (bit 7 clear, 0x01..0x0f), got 0x81, an IN address
        usb:\n  endpoint-in: 0x01                       | error 2:16: usb.endpoint-in must be an IN endpoint address (bit 7 set, 0x81..0x8f), got 0x01, an OUT address
        usb:\n  endpoint-in: 0x80                       | error 2:16: usb.endpoint-in must be 0x81..0x8f, got 0x80: endpoint 0 is the control endpoint
        usb:\n  endpoint-out: 0                         | error 2:17: usb.endpoint-out must be 0x01..0x0f, got 0x00: endpoint 0 is the control endpoint
        usb:\n  endpoint-out: 0x11                      | error 2:17: usb.endpoint-out must be 0x01..0x0f (bits 4..6 of an endpoint address are reserved), got 0x11
        usb:\n  endpoint-in: 0x100                      | error 2:16: usb.endpoint-in must be 0x0..0xff, got 0x100
        # --- transfers --------------------------------------------------------------------------------------
        usb:\n  transfer-size: 512                      | usb.transfer-size=512
        usb:\n  transfer-size: 64K                      | usb.transfer-size=65536
        usb:\n  transfer-size: 1M                       | usb.transfer-size=1048576
        usb:\n  transfer-size: 0x4000                   | usb.transfer-size=16384
        usb:\n  transfer-size: 1000                     | error 2:18: usb.transfer-size must be a multiple of 512 (the high-speed bulk packet), got 1000
        usb:\n  transfer-size: 256                      | error 2:18: usb.transfer-size must be 512..1048576 (1024K), got 256
        usb:\n  transfer-size: 2M                       | error 2:18: usb.transfer-size must be 512..1048576 (1024K), got 2M
        usb:\n  transfer-size: 16k                      | error 2:18: usb.transfer-size: expected a size (decimal or 0x hex, optionally K or M), got '16k'
        usb:\n  transfers-in-flight: 1                  | usb.transfers-in-flight=1
        usb:\n  transfers-in-flight: 0                  | error 2:24: usb.transfers-in-flight must be 1..64, got 0
        usb:\n  transfers-in-flight: 65                 | error 2:24: usb.transfers-in-flight must be 1..64, got 65
        # --- durations -----------------------------------------------------------------------------------
        usb:\n  timeout: 500ms                          | usb.timeout=500ms
        usb:\n  timeout: 2s                             | usb.timeout=2000ms
        usb:\n  timeout: 1m                             | usb.timeout=60000ms
        usb:\n  timeout: 1500us                         | usb.timeout=1.5ms
        usb:\n  timeout: 2m                             | error 2:12: usb.timeout must be 1ms..1m, got 2m
        usb:\n  timeout: 999us                          | error 2:12: usb.timeout must be 1ms..1m, got 999us
        usb:\n  timeout: 5                              | error 2:12: usb.timeout: duration '5' needs a unit: us, ms, s or m (e.g. 500ms)
        usb:\n  timeout: 1.5s                           | error 2:12: usb.timeout: expected a duration such as 500ms, 2s or 1m (units us, ms, s, m), got '1.5s'
        usb:\n  timeout: 2 s                            | error 2:12: usb.timeout: expected a duration such as 500ms, 2s or 1m (units us, ms, s, m), got '2 s'
        usb:\n  timeout: 1h                             | error 2:12: usb.timeout: expected a duration such as 500ms, 2s or 1m (units us, ms, s, m), got '1h'
        usb:\n  timeout: 9999999999s                    | error 2:12: usb.timeout: duration '9999999999s' is too large
        timeouts:\n  sync: 10m\n  connect: 1ms          | timeouts.sync=600000ms; timeouts.connect=1ms
        timeouts:\n  connect: 11m                       | error 2:12: timeouts.connect must be 1ms..10m, got 11m
        timeouts:\n  heartbeat: 1s                      | error 2:14: timeouts.heartbeat (1s) must be shorter than timeouts.sync (1s)
        timeouts:\n  sync: 100ms                        | error 2:9: timeouts.heartbeat (250ms) must be shorter than timeouts.sync (100ms)
        timeouts:\n  sync: 2s\n  heartbeat: 1s          | timeouts.sync=2000ms; timeouts.heartbeat=1000ms
        timeouts:\n  sync: 0ms                          | error 2:9: timeouts.sync must be 1ms..10m, got 0ms
        timeouts:\n  resend-attempts: 0                 | timeouts.resend-attempts=0
        timeouts:\n  resend-attempts: 101               | error 2:20: timeouts.resend-attempts must be 0..100, got 101
        # --- batch --------------------------------------------------------------------------------------
        batch:\n  max-per-sync: 1\n  max-outstanding: 65536 | batch.max-per-sync=1; batch.max-outstanding=65536
        batch:\n  max-per-sync: 0                       | error 2:17: batch.max-per-sync must be 1..65536, got 0
        batch:\n  max-outstanding: 65537                | error 2:20: batch.max-outstanding must be 1..65536, got 65537
        # --- lockstep and pcap -------------------------------------------------------------------------
        lockstep: true\npcap: run.pcap                  | lockstep=true; pcap=run.pcap
        lockstep: yes                                   | error 1:11: lockstep must be true or false, got 'yes'
        pcap: [a, b]                                    | error 1:7: pcap must be a string, got a list
        # --- unknown and duplicated keys --------------------------------------------------------------
        usb:\n  vidd: 0x1d50                            | error 2:3: unknown key 'vidd' in usb (known: vid, pid, serial, interface, endpoint-out, endpoint-in, timeout, transfers-in-flight, transfer-size); did you mean 'vid'?
        usb:\n  colour: red                             | error 2:3: unknown key 'colour' in usb (known: vid, pid, serial, interface, endpoint-out, endpoint-in, timeout, transfers-in-flight, transfer-size)
        backnd: sim                                     | error 1:1: unknown top-level key 'backnd' (known: backend, transport, usb, socket, batch, timeouts, lockstep, pcap); did you mean 'backend'?
        timeouts:\n  sync_timeout: 1s                   | error 2:3: unknown key 'sync_timeout' in timeouts (known: sync, connect, heartbeat, resend-attempts)
        usb:\n  vid: 1\n  vid: 2                        | error 3:3: duplicate key 'vid' in usb (first at line 2)
        backend: sim\nbackend: board                    | error 2:1: duplicate key 'backend' (first at line 1)
        usb: {vid: 1, vid: 2}                           | error 1:15: duplicate key 'vid' in usb (first at line 1)
        usb:\n  ? [a]\n  : 1                            | error 2:5: keys must be plain names, got a list in usb
        # --- the shape of the file ---------------------------------------------------------------------------
        - backend: sim                                  | error 1:1: the file must be a mapping of sections (backend, transport, usb, socket, batch, timeouts, lockstep, pcap), got a list
        sim                                             | error 1:1: the file must be a mapping of sections (backend, transport, usb, socket, batch, timeouts, lockstep, pcap), got 'sim'
        usb: 0x1d50                                     | error 1:6: usb must be a mapping of keys (vid, pid, serial, interface, endpoint-out, endpoint-in, timeout, transfers-in-flight, transfer-size), got '0x1d50'
        usb:                                            | usb.vid=0x1d50; usb.endpoint-in=0x81
        backend: sim\n---\nbackend: board               | error 2:1: a second YAML document; hw-config.yaml holds one
        # --- anchors and aliases share a value ------------------------------------------------------------
        timeouts:\n  sync: &t 2s\n  connect: *t         | timeouts.sync=2000ms; timeouts.connect=2000ms
        # --- malformed YAML: YamlDotNet's error, at its position ----------------------------------------------
        usb:\n  vid: 1\n pid: 2                         | error 3:2: invalid YAML: While parsing a block mapping, did not find expected key.
        usb: {vid: 1\n                                  | error 2:1: invalid YAML: While parsing a flow mapping, did not find expected ',' or '}'.
        # YamlDotNet puts a tab in indentation at the start of the mapping; the loader moves it to the tab.
        usb:\n\tvid: 1                                  | error 2:1: invalid YAML: While scanning a mapping, found invalid tab as indentation.
        usb:\n  vid: 1\n  \tpid: 2                      | error 3:3: invalid YAML: While scanning a plain scalar, found a tab character that violate indentation.
        batch:\n  max-per-sync: 1\n[ b: 2 # x\nlockstep: true | error 3:1: invalid YAML near here (the parser failed: Operation is not valid due to the current state of the object.)
        backend: "sim                                   | error 1:10: invalid YAML: While scanning a quoted scalar, found unexpected end of stream.
        timeouts:\n  connect: *nope                     | error 2:12: invalid YAML: alias *nope names no anchor before it
        """;

    /// <summary>(table line, input with line breaks restored, expected).</summary>
    public static IEnumerable<(int Line, string Input, string Expected)> Cases()
    {
        string[] lines = Table.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int bar = line.LastIndexOf(" | ", StringComparison.Ordinal);
            string input = line[..bar].Trim();
            input = input == "(empty)" ? "" : input.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
            yield return (i + 1, input, line[(bar + 3)..].Trim());
        }
    }
}
