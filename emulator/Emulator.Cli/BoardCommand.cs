using System.CommandLine;
using System.Diagnostics;
using Emulator.Board;
using Emulator.Board.Config;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using Spectre.Console;
using Emulator.Cli.Shell;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator board probe</c> (connect, shake hands, print the board's capabilities) and
/// <c>emulator board selftest</c> (a known invalidation pattern with checks), on the board that
/// <c>--config hw-config.yaml</c> or <c>--address tcp:HOST:PORT|unix:PATH</c> names. Exit 0 when it
/// worked, 1 when a selftest check failed, 2 for a bad configuration, 3 for an unreachable board.
/// </summary>
internal static class BoardCommand
{
    public const int Ok = ExitCodes.Success;
    public const int Failed = ExitCodes.Finding;
    public const int Usage = ExitCodes.Usage;

    /// <summary>The board could not be reached (exit 3).</summary>
    public const int Unreachable = ExitCodes.Environment;

    /// <summary>The host name the selftest sends in HELLO: fixed, so its frames are the same every run
    /// (the USB test replays a recorded session byte for byte).</summary>
    public const string SelftestHostName = "emulator-selftest";

    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var cmd = new Command("board", "Talk to the ATC test board (or the firmware stub)");
        cmd.Subcommands.Add(Sub(context, "probe", "Find the board, shake hands and print its capabilities." + ExitCodes.Help(null), Probe));
        cmd.Subcommands.Add(Sub(context, "selftest", "Run a known invalidation pattern on the board and check its ATC." + ExitCodes.Help("a check failed"), Selftest));
        return cmd;
    }

    private static Command Sub(CliContext context, string name, string description, Func<HwConfig, IAnsiConsole, TextWriter, int> run)
    {
        var config = new Option<string?>("--config") { Description = "Hardware configuration (hw-config.yaml)", HelpName = "file" };
        var address = new Option<string?>("--address") { Description = "tcp:HOST:PORT or unix:PATH of a board (overrides the file's transport)", HelpName = "tcp:host:port|unix:path" };
        var cmd = new Command(name, description) { config, address };
        cmd.SetAction(parse =>
        {
            var cfg = BoardSetup.Load("board " + name, parse.GetValue(config), "board", parse.GetValue(address), context.Stderr, out int code);
            return cfg is null ? code : run(cfg, context.Out(parse), context.Stderr);
        });
        return cmd;
    }

    /// <summary><c>board probe</c>.</summary>
    internal static int Probe(HwConfig config, IAnsiConsole console, TextWriter stderr)
    {
        var sw = Stopwatch.StartNew();
        using var link = BoardSetup.Connect("board probe", config, stderr);
        if (link is null)
        {
            return Unreachable;
        }
        var caps = link.Caps;
        var table = new Table().AddColumns("board", Markup.Escape(link.Description));
        table.AddRow("board id", $"{caps.BoardId:x16}");
        table.AddRow("protocol", Markup.Escape($"{caps.BoardVersion} (session {caps.Negotiated}, emulator {ProtocolVersion.Current})"));
        table.AddRow("ATC", $"{caps.AtcEntries} entries, {caps.AtcWays} ways");
        table.AddRow("max batch", caps.MaxBatch.ToString());
        table.AddRow("max outstanding", caps.MaxOutstanding.ToString());
        table.AddRow("handshake", $"{sw.Elapsed.TotalMilliseconds:0.0} ms");
        console.Write(table);
        return Ok;
    }

    /// <summary><c>board selftest</c>: fills sid 1's ATC with a known set (ATC_FILL), invalidates part of
    /// it in one batch, and checks with ATC_DUMP that exactly the invalidated entries are gone.</summary>
    internal static int Selftest(HwConfig config, IAnsiConsole console, TextWriter stderr)
    {
        var options = BoardOptions.From(config) with { HostName = SelftestHostName, HeartbeatInterval = TimeSpan.Zero };
        WatchedConnector? watch = null;
        using var link = BoardSetup.Connect("board selftest", config, stderr, options, wrap: c => watch = new WatchedConnector(c, config.Timeouts.Connect));
        if (link is null)
        {
            return Unreachable;
        }
        console.MarkupLineInterpolated($"selftest on {link.Description}: {link.Caps.ToString()}");
        const uint sid = 1;
        var checks = new List<(string Name, bool Passed, string Detail)>();

        // The model of what the board's ATC must hold, built alongside.
        var expected = new Atc(new AtcGeometry(4096, 4));
        void Fill(uint pasid, ulong va, ulong pa, bool global = false)
        {
            var e = new AtcEntry(pasid, va, 12, pa, AtsPermissions.Read | AtsPermissions.Write, global, 0);
            link.Fill(sid, e);
            expected.Insert(e);
        }
        for (uint i = 0; i < 16; i++)
        {
            Fill(1, 0x10000 + i * 0x1000UL, 0x8000_0000 + i * 0x1000UL);
        }
        Fill(2, 0x10000, 0x9000_0000);
        Fill(2, 0x11000, 0x9000_1000);
        Fill(3, 0x40000, 0xa000_0000, global: true);
        Fill(AtcEntry.NoPasid, 0x50000, 0xb000_0000);

        var batch = new AtcInvalidation[]
        {
            new(sid, 1, false, 0x10000, 14),              // 4 pages of PASID 1
            new(sid, 1, false, 0x18000, 12),              // one page
            new(sid, 2, false, 0, AtcInvalidation.AllAddresses), // all of PASID 2
            new(sid, 5, true, 0x40000, 12),               // another PASID, global: removes PASID 3's global entry
        };
        foreach (var inv in batch)
        {
            link.Invalidate(inv);
            expected.Invalidate(inv.Pasid, inv.Address, inv.SizeLog2, inv.Global);
        }
        var sw = Stopwatch.StartNew();
        var sync = link.Sync(options.SyncTimeout);
        checks.Add(("SYNC acknowledged", sync == AtcSyncResult.Complete, $"{sync} in {sw.Elapsed.TotalMilliseconds:0.00} ms"));
        checks.Add(("every ATC_INV completed", link.Pending == 0, $"{link.Pending} pending"));
        CheckDump(link, expected, sid, "ATC after the batch matches the model", checks);

        link.Invalidate(new AtcInvalidation(sid, 1, false, 0, AtcInvalidation.AllAddresses));
        expected.InvalidatePasid(1);
        sync = link.Sync(options.SyncTimeout);
        checks.Add(("second SYNC acknowledged", sync == AtcSyncResult.Complete, sync.ToString()));
        CheckDump(link, expected, sid, "ATC after invalidating PASID 1 matches the model", checks);

        var table = new Table().AddColumns("check", "result", "detail");
        foreach (var (name, passed, detail) in checks)
        {
            table.AddRow(Markup.Escape(name), passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(detail));
        }
        console.Write(table);
        var stats = link.Stats;
        console.MarkupLineInterpolated($"frames sent {stats.FramesSent}, resent {stats.Resent}, NAKs {stats.Naks}, bad frames {stats.BadFrames}");
        bool ok = checks.TrueForAll(c => c.Passed);
        if (!ok && watch is { } w && (w.LostReason is not null || w.Reconnecting))
        {
            // The checks failed because the board went away, not because it answered wrongly: an
            // environment failure (3), named in one line, rather than a finding about the board (1).
            stderr.WriteLine($"emulator board selftest: {w.LostReason ?? $"lost the board {link.Description}: {link.LastError ?? "it stopped answering"}"}");
            return Unreachable;
        }
        console.MarkupLine(ok ? "[green]selftest passed[/]" : "[red]selftest FAILED[/]");
        return ok ? Ok : Failed;
    }

    private static void CheckDump(BoardLink link, Atc expected, uint sid, string name, List<(string, bool, string)> checks)
    {
        var board = new List<AtcDumpEntry>();
        if (!link.Dump(sid, board, out bool truncated, TimeSpan.FromSeconds(2)))
        {
            checks.Add((name, false, "no ATC_DUMP_REPLY: " + (link.LastError ?? "timeout")));
            return;
        }
        var want = new List<AtcEntry>();
        expected.Dump(want);
        var wantKeys = want.Select(e => (Pasid: e.Pasid == AtcEntry.NoPasid ? AtcInvPayload.NoPasid : e.Pasid, e.Va, e.Pa)).ToHashSet();
        var haveKeys = board.Select(e => (e.Pasid, e.Va, e.Pa)).ToHashSet();
        var extra = haveKeys.Except(wantKeys).ToList();
        var missing = wantKeys.Except(haveKeys).ToList();
        bool passed = !truncated && extra.Count == 0 && missing.Count == 0;
        string detail = passed ? $"{board.Count} entries"
            : $"{board.Count} entries; on the board only: {string.Join(", ", extra.Take(4).Select(k => $"pasid {k.Pasid:x} va {k.Va:x}"))}; missing: {string.Join(", ", missing.Take(4).Select(k => $"pasid {k.Pasid:x} va {k.Va:x}"))}";
        checks.Add((name, passed, detail));
    }
}
