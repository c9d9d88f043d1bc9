using System.CommandLine;
using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Iommu;
using Emulator.Core.Notifiers;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Spectre.Console;
using Emulator.Cli.Shell;
using Emulator.Cli.Tracing;

namespace Emulator.Cli;

/// <summary><c>boot --demo</c> and <c>--record</c>: the API-level demonstration.</summary>
internal static partial class BootCommand
{
    /// <summary>Runs the demonstration, writing the trace to <paramref name="recordPath"/> when given.</summary>
    internal static int RunRecording(MachineOptions options, IAnsiConsole console, string? recordPath)
    {
        if (recordPath is null)
        {
            return Run(options, console);
        }
        TextWriter file;
        try
        {
            file = CliFiles.CreateText(recordPath);
        }
        catch (Exception e) when (HostErrors.IsIo(e))
        {
            console.MarkupLineInterpolated($"[red]emulator boot: --record {recordPath}: {HostErrors.Describe(e, recordPath)}[/]");
            return HostErrors.ExitCode(e, recordPath);
        }
        using (file)
        {
            return Run(options, console, file);
        }
    }

    /// <summary>Where the demonstration's process maps its buffer (user half, 4-level reachable).</summary>
    internal const ulong DemoVa = 0x7f00_0000_0000;
    private const string Proc = "demo";
    private const string Dev = "dev0";
    private const uint Sid = 0x10;

    /// <summary>Runs the demonstration; 0 when every step did what the machine promises.</summary>
    /// <param name="options">The machine.</param>
    /// <param name="console">Where the report goes.</param>
    /// <param name="record">Receives the run as a v1 trace (<c>--record</c>); null to record nowhere.</param>
    internal static int Run(MachineOptions options, IAnsiConsole console, TextWriter? record = null)
    {
        TraceRecorder rec;
        try
        {
            _ = new Machine(options); // validates the options before anything is written
            rec = new TraceRecorder(record ?? TextWriter.Null, options,
                ["recorded by emulator boot (the built-in demonstration)", "replay: emulator replay THIS-FILE"]);
        }
        catch (ArgumentException e)
        {
            console.MarkupLineInterpolated($"[red]emulator boot: {e.Message}[/]");
            return 2;
        }
        console.MarkupLineInterpolated($"[bold]emulator[/] machine core: {options.RamSize >> 20} MiB RAM, {(int)options.Paging}-level paging, backend sim");
        if (!Ok(rec.Record(new ProcessStatement(Proc)), console, "creating the process"))
        {
            return 1;
        }
        var machine = rec.Replayer.Machine!;
        var mm = rec.Replayer.Process(Proc)!;
        const ulong pages = 16;
        const ulong va = DemoVa;
        if (!Ok(rec.Record(new MmapStatement(Proc, va, pages * Page.Size, Protection.ReadWrite)), console, "mmap"))
        {
            return 1;
        }
        console.MarkupLineInterpolated($"mmap  {pages} pages rw-p at 0x{va:x}");

        if (!Ok(rec.Record(new WriteStatement(Proc, va, pages * Page.Size, Pattern.Seq32(0))), console, "store"))
        {
            return 1;
        }
        console.MarkupLineInterpolated($"touch {pages} pages: {mm.Stats.DemandPages} demand-paged, {machine.Frames.AllocatedFrames} frames in use");

        var recorder = new RecordingOps();
        if (MmuNotifierSubscriptions.Get(recorder, mm, "boot-demo", out var sub) != Errno.Ok)
        {
            console.MarkupLine("[red]notifier registration failed[/]");
            return 1;
        }
        console.MarkupLine("notifier subscribed (mmu_notifier_get with private data)");

        ulong unmapAt = va + 4 * Page.Size;
        var unmapped = rec.Record(new MunmapStatement(Proc, unmapAt, 8 * Page.Size));
        console.MarkupLineInterpolated($"munmap 8 pages at 0x{unmapAt:x}: {unmapped}");

        var table = new Table().AddColumns("#", "callback", "range", "event");
        int n = 0;
        foreach (var line in recorder.Events)
        {
            table.AddRow((++n).ToString(), Markup.Escape(line.Callback), Markup.Escape(line.Range), Markup.Escape(line.Event));
        }
        console.Write(table);

        bool dataOk = rec.Record(new ReadStatement(Proc, va, Page.Size) { Result = ExpectedResult.Bytes(Pattern.Seq32(0)) }).Kind == ActionOutcomeKind.Ok;
        bool faults = rec.Record(new ReadStatement(Proc, unmapAt, Page.Size) { Result = ExpectedResult.Fault }).Kind == ActionOutcomeKind.Fault;
        bool sawShootdown = recorder.Events.Count == 3 && recorder.Events[0].Callback == "invalidate_range_start" &&
                            recorder.Events[1].Callback == "arch_invalidate_secondary_tlbs" && recorder.Events[2].Callback == "invalidate_range_end";
        console.MarkupLine("read back kept page: " + (dataOk ? "[green]ok[/]" : "[red]MISMATCH[/]") +
                           "; load from unmapped page: " + (faults ? "[green]SIGSEGV[/]" : "[red]no fault[/]"));

        MmuNotifierSubscriptions.Put(sub!);

        bool svaOk = RunSva(rec, va, console, out long smmuFrames);

        rec.Record(new ExitStatement(Proc));
        mm.Notifiers.Synchronize();
        long leaked = machine.Frames.AllocatedFrames - smmuFrames;
        console.MarkupLineInterpolated($"exit: {leaked} of the process's frames still in use; mm stats: {mm.Stats}");
        var result = rec.Finish();
        if (record is not null)
        {
            console.MarkupLineInterpolated($"recorded {rec.LinesWritten} lines (replay with: emulator replay FILE)");
        }
        bool ok = unmapped.Kind == ActionOutcomeKind.Ok && dataOk && faults && sawShootdown && svaOk && leaked == 0 && result.Passed;
        console.MarkupLine(ok ? "[green]boot demo passed[/]" : "[red]boot demo FAILED[/]");
        return ok ? 0 : 1;
    }

    private static bool Ok(ActionOutcome outcome, IAnsiConsole console, string what)
    {
        if (outcome.Kind != ActionOutcomeKind.Ok)
        {
            console.MarkupLineInterpolated($"[red]{what} failed: {outcome.ToString()}[/]");
            return false;
        }
        return true;
    }

    /// <summary>
    /// The SVA part: a device is bound to the process, reads and writes its memory by DMA through
    /// ATS/ATC, the process unmaps pages under the device's feet, and the oracle judges the run.
    /// </summary>
    private static bool RunSva(TraceRecorder rec, ulong va, IAnsiConsole console, out long smmuFrames)
    {
        var machine = rec.Replayer.Machine!;
        long before = machine.Frames.AllocatedFrames;
        smmuFrames = 0;
        if (rec.Record(new DeviceStatement(Dev, Sid, Ats: true, Pri: true, PasidBits: 20)).Kind != ActionOutcomeKind.Ok ||
            rec.Replayer.Device(Dev) is null ||
            rec.Record(new BindStatement(Dev, Proc)).Kind != ActionOutcomeKind.Ok)
        {
            console.MarkupLine("[red]could not add and bind the device[/]");
            return false;
        }
        long bindFrames = machine.Frames.AllocatedFrames - before;
        string inject = machine.Options.Inject == FaultInjection.None ? "none" : FaultInjectionNames.Format(machine.Options.Inject);
        console.MarkupLineInterpolated($"device sid 0x{Sid:x} (ATS, PRI) bound: PASID {rec.Replayer.Pasid(Dev, Proc)}; fault injection: {inject}");

        bool readOk = rec.Record(new DmaStatement(Dev, Proc, DmaDirection.Read, va, Page.Size) { Result = ExpectedResult.Bytes(Pattern.Seq32(0)) }).Kind == ActionOutcomeKind.Ok;
        bool writeOk = rec.Record(new DmaStatement(Dev, Proc, DmaDirection.Write, va + Page.Size, 1, Pattern.Byte(0xAB))).Kind == ActionOutcomeKind.Ok;
        writeOk &= rec.Record(new ReadStatement(Proc, va + Page.Size, 1) { Result = ExpectedResult.Bytes(Pattern.Byte(0xAB)) }).Kind == ActionOutcomeKind.Ok;
        console.MarkupLine("DMA read sees CPU data: " + (readOk ? "[green]ok[/]" : "[red]NO[/]") +
                           "; CPU sees DMA write: " + (writeOk ? "[green]ok[/]" : "[red]NO[/]"));

        long cmds = machine.SmmuDriver!.Stats.TotalCommands;
        rec.Record(new MunmapStatement(Proc, va, 4 * Page.Size));
        cmds = machine.SmmuDriver.Stats.TotalCommands - cmds;
        // Expected to fault; a DMA that succeeds went through a stale translation, which the oracle reports.
        var after = rec.Record(new DmaStatement(Dev, Proc, DmaDirection.Read, va, Page.Size) { Result = ExpectedResult.Any });
        console.MarkupLineInterpolated($"munmap 4 pages under the device: {cmds} SMMU commands; DMA read afterwards: {(after.Kind == ActionOutcomeKind.Ok ? "succeeded (through a stale translation)" : "faulted")}");

        var oracle = machine.Oracle;
        var table = new Table().AddColumns("oracle", "count");
        table.AddRow("DMA accesses checked", oracle.Checked.ToString());
        table.AddRow("stale accesses", oracle.Stale.ToString());
        table.AddRow("ATC entries granting more than the page table", oracle.Violations.ToString());
        console.Write(table);
        foreach (var s in oracle.StaleAccesses)
        {
            console.MarkupLine("[red]stale:[/] " + Markup.Escape(s.ToString()));
        }
        foreach (var v in oracle.AtcViolations)
        {
            console.MarkupLine("[red]incoherent:[/] " + Markup.Escape(v.ToString()));
        }
        rec.Record(new UnbindStatement(Dev, Proc));
        smmuFrames = bindFrames;
        bool clean = oracle.Stale == 0 && oracle.Violations == 0;
        console.MarkupLine(clean ? "oracle: [green]coherent[/]" : "oracle: [red]FIRED[/]");
        return readOk && writeOk && after.Kind == ActionOutcomeKind.Fault && clean;
    }

    /// <summary>A notifier that records what it is told.</summary>
    private sealed class RecordingOps : MmuNotifierOps
    {
        public List<(string Callback, string Range, string Event)> Events { get; } = [];

        public override MmuNotifier? AllocNotifier(IMmuNotifierMm mm, object? priv) => new MmuNotifier(this);

        public override Errno InvalidateRangeStart(MmuNotifier subscription, in MmuNotifierRange range)
        {
            Events.Add(("invalidate_range_start", $"[{range.Start:x}, {range.End:x})", range.Event.ToString()));
            return Errno.Ok;
        }

        public override void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end) =>
            Events.Add(("arch_invalidate_secondary_tlbs", $"[{start:x}, {end:x})", ""));

        public override void InvalidateRangeEnd(MmuNotifier subscription, in MmuNotifierRange range) =>
            Events.Add(("invalidate_range_end", $"[{range.Start:x}, {range.End:x})", range.Event.ToString()));

        public override void Release(MmuNotifier subscription, IMmuNotifierMm mm) =>
            Events.Add(("release", "", ""));
    }
}
