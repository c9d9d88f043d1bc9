using System.Globalization;
using System.Text;
using Emulator.Board.Config;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Board;

/// <summary>hw-config.yaml: the shipped file, the table in <see cref="HwConfigCases"/> (one file a
/// case, named by its table line), and the properties the table cannot show: every error reported,
/// the command line's backend, files on disk, and no input crashing the loader.</summary>
public sealed class HwConfigTests
{
    private static string ShippedPath => Path.Combine(CorpusTests.RepoRoot(), "hw-config.yaml");

    /// <summary>Every setting as <c>key=value</c>, in the file's own names; hex for IDs and endpoint
    /// addresses, durations in milliseconds, <c>~</c> for none.</summary>
    internal static Dictionary<string, string> Flatten(HwConfig c) => new()
    {
        ["backend"] = c.Backend.ToString().ToLowerInvariant(),
        ["transport"] = c.Transport.ToString().ToLowerInvariant(),
        ["usb.vid"] = $"0x{c.Usb.Vid:x4}",
        ["usb.pid"] = $"0x{c.Usb.Pid:x4}",
        ["usb.serial"] = c.Usb.Serial ?? "~",
        ["usb.interface"] = c.Usb.Interface.ToString(CultureInfo.InvariantCulture),
        ["usb.endpoint-out"] = $"0x{c.Usb.EndpointOut:x2}",
        ["usb.endpoint-in"] = $"0x{c.Usb.EndpointIn:x2}",
        ["usb.timeout"] = Ms(c.Usb.Timeout),
        ["usb.transfers-in-flight"] = c.Usb.TransfersInFlight.ToString(CultureInfo.InvariantCulture),
        ["usb.transfer-size"] = c.Usb.TransferSize.ToString(CultureInfo.InvariantCulture),
        ["socket.tcp"] = c.Socket.Tcp?.ToString() ?? "~",
        ["socket.unix"] = c.Socket.UnixPath ?? "~",
        ["batch.max-per-sync"] = c.Batch.MaxPerSync.ToString(CultureInfo.InvariantCulture),
        ["batch.max-outstanding"] = c.Batch.MaxOutstanding.ToString(CultureInfo.InvariantCulture),
        ["timeouts.sync"] = Ms(c.Timeouts.Sync),
        ["timeouts.connect"] = Ms(c.Timeouts.Connect),
        ["timeouts.heartbeat"] = Ms(c.Timeouts.Heartbeat),
        ["timeouts.resend-attempts"] = c.Timeouts.ResendAttempts.ToString(CultureInfo.InvariantCulture),
        ["lockstep"] = c.Lockstep ? "true" : "false",
        ["pcap"] = c.PcapPath ?? "~",
    };

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + "ms";

    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        foreach ((int line, string input, string expected) in HwConfigCases.Cases())
        {
            data.Add(line, input, expected);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void File_gives_its_settings_or_its_single_error(int tableLine, string input, string expected)
    {
        HwConfigResult result = HwConfigLoader.Parse(input, "hw.yaml");
        if (expected.StartsWith("error ", StringComparison.Ordinal))
        {
            // Exactly one error, and it names the line and column of the offending key or value.
            Assert.True(result.Errors.Count == 1, $"table line {tableLine}: {string.Join("; ", result.Errors)}");
            Assert.Equal("hw.yaml:" + expected[6..], result.Errors[0].ToString());
            Assert.Null(result.Config);
            return;
        }
        Assert.True(result.Success, $"table line {tableLine}: {string.Join("; ", result.Errors)}");
        Dictionary<string, string> settings = Flatten(result.Config);
        foreach (string check in expected.Split(';', StringSplitOptions.TrimEntries))
        {
            int eq = check.IndexOf('=');
            string key = check[..eq];
            Assert.True(settings.ContainsKey(key), $"table line {tableLine}: no setting '{key}'");
            Assert.True(settings[key] == check[(eq + 1)..], $"table line {tableLine}: {key}={settings[key]}, expected {check}");
        }
    }

    [Fact]
    public void The_table_is_not_empty()
    {
        Assert.True(HwConfigCases.Cases().Count() > 100);
    }

    [Fact]
    public void The_shipped_file_parses_and_selects_the_sim_backend()
    {
        HwConfigResult result = HwConfigLoader.Load(ShippedPath);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        // Out of the box: no hardware needed.
        Assert.Equal(BackendKind.Sim, result.Config.Backend);
        // The board settings a user edits are there, with the values the comments promise.
        Assert.Equal(TransportKind.Usb, result.Config.Transport);
        Assert.Equal((ushort)0x1d50, result.Config.Usb.Vid);
        Assert.Equal((ushort)0x6199, result.Config.Usb.Pid);
        Assert.Equal(new TcpAddress("127.0.0.1", 7700), result.Config.Socket.Tcp);
        Assert.NotNull(result.Config.Socket.UnixPath);
        // Its values are the documented defaults, apart from the socket addresses (which have none).
        Assert.Equal(HwConfig.Default with { Socket = result.Config.Socket }, result.Config);
    }

    [Fact]
    public void The_shipped_file_works_for_the_board_over_every_transport()
    {
        string text = File.ReadAllText(ShippedPath);
        foreach (string transport in new[] { "usb", "tcp", "unix" })
        {
            // What a user does: flip backend (or pass --backend board) and pick a transport.
            string edited = text.Replace("backend: sim", "backend: board", StringComparison.Ordinal)
                .Replace("transport: usb", "transport: " + transport, StringComparison.Ordinal);
            HwConfigResult result = HwConfigLoader.Parse(edited, "hw-config.yaml");
            Assert.True(result.Success, transport + ": " + string.Join("\n", result.Errors));
            Assert.Equal(BackendKind.Board, result.Config.Backend);
            Assert.Equal(transport, result.Config.Transport.ToString().ToLowerInvariant());
        }
        Assert.True(HwConfigLoader.Load(ShippedPath, BackendKind.Board).Success);
    }

    [Fact]
    public void The_shipped_file_and_the_docs_show_every_key()
    {
        string shipped = File.ReadAllText(ShippedPath);
        string docs = File.ReadAllText(Path.Combine(CorpusTests.RepoRoot(), "docs", "hw-config.md"));
        foreach (string path in Flatten(HwConfig.Default).Keys)
        {
            string key = path[(path.IndexOf('.') + 1)..];
            // Each key written out (not left to its default) so the file documents itself.
            Assert.Contains("\n" + (path.Contains('.') ? "  " : "") + key + ":", shipped);
            Assert.Contains($"`{path}`", docs);
        }
    }

    [Fact]
    public void An_empty_file_and_missing_sections_are_the_documented_defaults()
    {
        Assert.Equal(HwConfig.Default, HwConfigLoader.Parse("", "e.yaml").Config);
        Assert.Equal(HwConfig.Default, HwConfigLoader.Parse("# nothing\n", "e.yaml").Config);
        HwConfig? onlyUsb = HwConfigLoader.Parse("usb:\n  pid: 0x6018\n", "e.yaml").Config;
        // Keys left out of a section keep their defaults too.
        Assert.Equal(HwConfig.Default with { Usb = UsbConfig.Default with { Pid = 0x6018 } }, onlyUsb);
        // The values the docs and the XML docs promise.
        HwConfig d = HwConfig.Default;
        Assert.Equal((BackendKind.Sim, TransportKind.Usb, false, (string?)null), (d.Backend, d.Transport, d.Lockstep, d.PcapPath));
        Assert.Equal(((ushort)0x1d50, (ushort)0x6199, (string?)null, 0, (byte)0x01, (byte)0x81, TimeSpan.FromSeconds(1), 4, 16384),
            (d.Usb.Vid, d.Usb.Pid, d.Usb.Serial, d.Usb.Interface, d.Usb.EndpointOut, d.Usb.EndpointIn, d.Usb.Timeout, d.Usb.TransfersInFlight, d.Usb.TransferSize));
        Assert.Equal(((TcpAddress?)null, (string?)null), (d.Socket.Tcp, d.Socket.UnixPath));
        Assert.Equal((256, 256), (d.Batch.MaxPerSync, d.Batch.MaxOutstanding));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(250), 3),
            (d.Timeouts.Sync, d.Timeouts.Connect, d.Timeouts.Heartbeat, d.Timeouts.ResendAttempts));
        // The sync window split between the first send and 3 resends.
        Assert.Equal(TimeSpan.FromMilliseconds(250), d.Timeouts.ResendAfter);
    }

    [Fact]
    public void Every_error_in_a_file_is_reported_in_file_order()
    {
        const string text = """
            backend: board
            transport: tcp
            usb:
              vidd: 0x1d50
              pid: 0x10000
              endpoint-in: 0x01
              pid: 1
            bogus: 1
            timeouts:
              sync: soon
              heartbeat: 2s
            lockstep: maybe
            """;
        HwConfigResult result = HwConfigLoader.Parse(text, "multi.yaml");
        Assert.Null(result.Config);
        Assert.Equal(
            [
                // The address is missing for the board over tcp: reported at the transport.
                "multi.yaml:2:12: transport tcp with backend board needs socket.tcp (HOST:PORT, e.g. 127.0.0.1:7700), which is missing",
                "multi.yaml:4:3: unknown key 'vidd' in usb (known: vid, pid, serial, interface, endpoint-out, endpoint-in, timeout, transfers-in-flight, transfer-size); did you mean 'vid'?",
                "multi.yaml:5:8: usb.pid must be 0x0..0xffff, got 0x10000",
                "multi.yaml:6:16: usb.endpoint-in must be an IN endpoint address (bit 7 set, 0x81..0x8f), got 0x01, an OUT address",
                "multi.yaml:7:3: duplicate key 'pid' in usb (first at line 5)",
                "multi.yaml:8:1: unknown top-level key 'bogus' (known: backend, transport, usb, socket, batch, timeouts, lockstep, pcap)",
                "multi.yaml:10:9: timeouts.sync: expected a duration such as 500ms, 2s or 1m (units us, ms, s, m), got 'soon'",
                // heartbeat 2s ≥ the default sync 1s is not reported: sync itself was invalid.
                "multi.yaml:12:11: lockstep must be true or false, got 'maybe'",
            ],
            result.Errors.Select(e => e.ToString()));
    }

    [Fact]
    public void The_command_lines_backend_replaces_the_files_before_the_checks()
    {
        const string text = "backend: sim\ntransport: unix\n";
        // The file alone is fine: the sim backend needs no socket.
        Assert.True(HwConfigLoader.Parse(text, "c.yaml").Success);
        HwConfigResult board = HwConfigLoader.Parse(text, "c.yaml", BackendKind.Board);
        Assert.Equal("c.yaml:2:12: transport unix with backend board (from the command line) needs socket.unix (a socket path), which is missing",
            Assert.Single(board.Errors).ToString());
        // And the other way: --backend sim on a board file with no address is fine.
        HwConfigResult sim = HwConfigLoader.Parse("backend: board\ntransport: tcp\n", "c.yaml", BackendKind.Sim);
        Assert.True(sim.Success);
        Assert.Equal(BackendKind.Sim, sim.Config.Backend);
    }

    [Fact]
    public void A_unix_socket_path_must_fit_in_sun_path()
    {
        string fits = "/" + new string('s', 106);
        HwConfigResult ok = HwConfigLoader.Parse($"socket:\n  unix: {fits}\n", "u.yaml");
        Assert.Equal(fits, ok.Config?.Socket.UnixPath);
        HwConfigResult tooLong = HwConfigLoader.Parse($"socket:\n  unix: {fits}s\n", "u.yaml");
        Assert.Equal("u.yaml:2:9: socket.unix is 108 bytes long; a Unix socket path holds at most 107",
            Assert.Single(tooLong.Errors).ToString());
    }

    [Fact]
    public void A_file_on_disk_is_read_with_its_name_in_errors_and_invalid_utf8_is_an_error_value()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hwconfig-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string good = Path.Combine(dir, "good.yaml");
            // A byte-order mark, as some editors write, is not content.
            File.WriteAllText(good, "backend: board\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(BackendKind.Board, HwConfigLoader.Load(good).Config?.Backend);

            string bad = Path.Combine(dir, "bad.yaml");
            File.WriteAllBytes(bad, [.. "usb:\n  serial: ab"u8, 0xff, .. "\n"u8]);
            Assert.Equal($"{bad}:2:13: invalid UTF-8", Assert.Single(HwConfigLoader.Load(bad).Errors).ToString());

            // Host I/O is an exception: the caller reports it as it reports any unreadable file.
            Assert.Throws<FileNotFoundException>(() => HwConfigLoader.Load(Path.Combine(dir, "missing.yaml")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        HwConfigResult result = HwConfigLoader.Parse("usb: " + new string('[', 100_000), "deep.yaml");
        HwConfigError error = Assert.Single(result.Errors);
        Assert.Equal(1, error.Line);
        Assert.Contains("invalid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_mutation_of_the_shipped_file_crashes_the_loader()
    {
        string text = File.ReadAllText(ShippedPath);
        const int seed = 6;
        var random = new Random(seed);
        const string alphabet = " \t\n:-#&*[]{}!|>'\"%@`?,0x1asm~";
        for (int i = 0; i < 2000; i++)
        {
            var chars = text.ToCharArray();
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }
            string mutated = new(chars);
            HwConfigResult result;
            try
            {
                result = HwConfigLoader.Parse(mutated, "m.yaml");
            }
            catch (Exception ex)
            {
                Assert.Fail($"seed {seed}, mutation {i}: {ex}\n--- input ---\n{mutated}");
                throw;
            }
            // Either a configuration or errors that point into the file.
            Assert.True(result.Success || result.Errors.All(err => err.Line >= 1 && err.Column >= 1),
                $"seed {seed}, mutation {i}: {string.Join("; ", result.Errors)}");
        }
    }
}
