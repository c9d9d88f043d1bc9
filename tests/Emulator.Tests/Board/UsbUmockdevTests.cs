using System.Diagnostics;
using System.Net;
using System.Text;
using Emulator.Board.Usb;
using Emulator.FirmwareStub;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Board;

/// <summary>
/// The USB transport through the real libusb binding, without hardware: umockdev (the way libfprint
/// tests its readers) mocks a USB device 1d50:6199 (<c>Data/board.umockdev</c>) and replays a usbmon
/// capture of a board session to the unmodified emulator, URB by URB: each bulk OUT the emulator submits
/// must match the recorded one in length and bytes, and each IN completes with the recorded data.
/// </summary>
/// <remarks>See docs/usb-transport.md for how <c>Data/session.pcap</c> is recorded. Skipped where
/// umockdev-run or libusb-1.0 is missing.</remarks>
public class UsbUmockdevTests
{
    /// <summary>The sysfs path of the mock board in Data/board.umockdev (bus 1, device 2).</summary>
    private const string SysfsPath = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1";

    private static string DataDir => Path.Combine(CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Board", "Data");

    private static string EmulatorDll => Path.Combine(AppContext.BaseDirectory, "emulator.dll");

    private sealed record Run(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
    }

    /// <summary>Runs <c>emulator ARGS</c>, under umockdev with <paramref name="pcap"/> replayed to the mock
    /// board when given.</summary>
    private static Run Emulator(string? pcap, params string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = pcap is null
            ? new ProcessStartInfo(dotnet)
            : new ProcessStartInfo("umockdev-run") { ArgumentList = { "-d", Path.Combine(DataDir, "board.umockdev"), "-p", $"{SysfsPath}={pcap}", "--", dotnet } };
        psi.ArgumentList.Add(EmulatorDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        // umockdev's preload holds its path lock across open(); the runtime's debugger thread opens a
        // FIFO that blocks until a debugger comes, and the next open on another thread deadlocks. No
        // diagnostics, no debugger FIFO.
        psi.Environment["DOTNET_EnableDiagnostics"] = "0";
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["COLUMNS"] = "160";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            return new Run(-1, stdout.Result, stderr.Result + "\n(killed after 120 s)");
        }
        return new Run(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string WriteConfig(string dir, string name, string yaml)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml, new UTF8Encoding(false));
        return path;
    }

    private const string UsbTail = """
        usb:
          vid: 0x1d50
          pid: 0x6199
          transfers-in-flight: 4
          transfer-size: 16K
        timeouts:
          sync: 10s
          resend-attempts: 0
          connect: 10s
        """;

    [UsbToolFact(Tool = "umockdev-run", Package = "umockdev", NeedsLibUsb = true)]
    public void The_recorded_selftest_session_replays_through_libusb()
    {
        var run = Emulator(Path.Combine(DataDir, "session.pcap"), "board", "selftest", "--config", Path.Combine(DataDir, "usb-selftest.yaml"));
        // Exit 0 = every check passed against the replayed board: the binding enumerated and claimed the
        // mock device, kept the IN transfers queued, and sent exactly the recorded bulk OUT bytes.
        Assert.True(run.ExitCode == 0,
            $"the USB selftest failed under umockdev; if the selftest's frames changed on purpose, re-record " +
            $"Data/session.pcap (docs/usb-transport.md)\n{run}");
        Assert.Contains("selftest on usb 1d50:6199", run.Stdout);
        Assert.Contains("selftest passed", run.Stdout);
    }

    [UsbToolFact(Tool = "umockdev-run", Package = "umockdev", NeedsLibUsb = true)]
    public async Task A_session_recorded_against_the_firmware_stub_replays_over_usb()
    {
        string dir = Directory.CreateTempSubdirectory("usb-umockdev-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "session.pcap");
            await using (var server = SoftBoardServer.Start(new SoftBoard(), new IPEndPoint(IPAddress.Loopback, 0)))
            {
                string tcp = WriteConfig(dir, "tcp.yaml", $"""
                    backend: board
                    transport: tcp
                    socket:
                      tcp: 127.0.0.1:{server.TcpEndPoint!.Port}
                    pcap: {pcap}
                    {UsbTail}
                    """);
                var recorded = Emulator(null, "board", "selftest", "--config", tcp);
                Assert.True(recorded.ExitCode == 0, $"the selftest failed against the firmware stub\n{recorded}");
            }
            var records = UsbPcapRecords.Read(File.ReadAllBytes(pcap));
            Assert.Contains(records, r => r.Header is { Endpoint: 0x01, EventType: UsbmonHeader.Submit }); // frames went out as bulk OUT
            Assert.Contains(records, r => r.Header is { Endpoint: 0x81, EventType: UsbmonHeader.Complete } && r.Data.Length > 0);

            string usb = WriteConfig(dir, "usb.yaml", "backend: board\ntransport: usb\n" + UsbTail);
            var replayed = Emulator(pcap, "board", "selftest", "--config", usb);
            Assert.True(replayed.ExitCode == 0, $"the recorded session did not replay over USB\n{replayed}");
            Assert.Contains("selftest passed", replayed.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [UsbToolFact(Tool = "umockdev-run", Package = "umockdev", NeedsLibUsb = true)]
    public void Stalled_endpoints_are_cleared_and_the_transfer_retried()
    {
        // The committed session with two stalls injected: HELLO's bulk OUT and the IN transfer that
        // should carry CAPS both complete with -EPIPE first. The transport must clear each halt and
        // resubmit — the OUT with the same bytes, the IN for the same length — and the selftest still pass.
        var records = UsbPcapRecords.Read(File.ReadAllBytes(Path.Combine(DataDir, "session.pcap")));
        const int Epipe = -32;
        var edited = new List<(UsbmonHeader Header, byte[] Data)>();
        ulong retriedOut = 0, retriedIn = 0, nextId = 1_000;
        foreach (var r in records)
        {
            var h = r.Header;
            if (retriedOut == 0 && h is { Endpoint: 0x01, EventType: UsbmonHeader.Submit })
            {
                retriedOut = nextId++;
                edited.Add(r);
                edited.Add((h with { EventType = UsbmonHeader.Complete, Status = Epipe, UrbLength = 0, DataFlag = (byte)'>' }, []));
                edited.Add((h with { Id = retriedOut }, r.Data));
                continue;
            }
            if (retriedIn == 0 && h is { Endpoint: 0x81, EventType: UsbmonHeader.Complete } && r.Data.Length > 0)
            {
                retriedIn = nextId++;
                edited.Add((h with { Status = Epipe, UrbLength = 0 }, []));
                edited.Add((h with { Id = retriedIn, EventType = UsbmonHeader.Submit, Status = UsbmonHeader.StatusInProgress, UrbLength = 16 * 1024, DataFlag = (byte)'<' }, []));
                edited.Add((h with { Id = retriedIn }, r.Data));
                continue;
            }
            // The original completion of the stalled OUT now completes its retry.
            edited.Add(h.Id == records.First(x => x.Header is { Endpoint: 0x01 }).Header.Id && h.EventType == UsbmonHeader.Complete
                ? (h with { Id = retriedOut }, r.Data)
                : r);
        }
        Assert.NotEqual(0UL, retriedOut);
        Assert.NotEqual(0UL, retriedIn);
        string dir = Directory.CreateTempSubdirectory("usb-umockdev-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "stalls.pcap");
            using (var w = new UsbmonPcapWriter(File.Create(pcap)))
            {
                foreach (var (h, data) in edited)
                {
                    w.Write(h, data);
                }
            }
            var run = Emulator(pcap, "board", "selftest", "--config", Path.Combine(DataDir, "usb-selftest.yaml"));
            Assert.True(run.ExitCode == 0, $"the selftest did not survive two stalls\n{run}");
            // Both stalls were seen and cleared, not skipped over.
            Assert.Contains("bulk OUT endpoint 0x01 stalled; clearing the halt", run.Stderr + run.Stdout);
            Assert.Contains("bulk IN endpoint 0x81 stalled; clearing the halt", run.Stderr + run.Stdout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [UsbToolFact(Tool = "umockdev-run", Package = "umockdev", NeedsLibUsb = true)]
    public void A_board_that_never_answers_fails_the_handshake_instead_of_passing()
    {
        // The replay is real: with a capture of nothing, HELLO is never taken and CAPS never comes.
        string dir = Directory.CreateTempSubdirectory("usb-umockdev-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "silent.pcap");
            new UsbmonPcapWriter(File.Create(pcap)).Dispose();
            string usb = WriteConfig(dir, "usb.yaml", "backend: board\ntransport: usb\n" + UsbTail.Replace("connect: 10s", "connect: 2s", StringComparison.Ordinal));
            var run = Emulator(pcap, "board", "selftest", "--config", usb);
            Assert.True(run.ExitCode == 3, $"expected exit 3 (board unreachable: the environment)\n{run}");
            Assert.Contains("usb 1d50:6199", run.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [UsbToolFact(Tool = "umockdev-run", Package = "umockdev", NeedsLibUsb = true)]
    public void A_wrong_product_id_lists_the_boards_with_that_vendor_id()
    {
        string dir = Directory.CreateTempSubdirectory("usb-umockdev-").FullName;
        try
        {
            string pcap = Path.Combine(dir, "silent.pcap");
            new UsbmonPcapWriter(File.Create(pcap)).Dispose();
            string usb = WriteConfig(dir, "usb.yaml", "backend: board\ntransport: usb\n" + UsbTail.Replace("pid: 0x6199", "pid: 0x6198", StringComparison.Ordinal));
            var run = Emulator(pcap, "board", "probe", "--config", usb);
            Assert.True(run.ExitCode == 3, $"expected exit 3 (no such board: the environment)\n{run}");
            Assert.Contains("usb 1d50:6198: no such USB device; with vendor ID 1d50 there are: 1d50:6199 on bus 001 device 002", run.Stderr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
