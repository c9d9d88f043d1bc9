using System.CommandLine;
using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Spectre.Console;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator boot</c>. Until the CPU can run guest code it runs a built-in demonstration through
/// the real machine-core API: a process maps memory, touches it, a notifier subscribes, part of the
/// mapping is unmapped, and what the notifier saw is printed.
/// </summary>
internal static class BootCommand
{
    public static Command Create()
    {
        var ram = new Option<string>("--ram") { Description = "RAM size (e.g. 256M, 1G)", DefaultValueFactory = _ => "1G" };
        var paging = new Option<int>("--paging") { Description = "Paging levels: 4 or 5", DefaultValueFactory = _ => 4 };
        paging.AcceptOnlyFromAmong("4", "5");
        var cmd = new Command("boot", "Boot the emulator on the default (sim) backend") { ram, paging };
        cmd.SetAction(parse =>
        {
            if (!SizeParser.TryParse(parse.GetValue(ram)!, out ulong ramSize) || ramSize == 0 || !Page.IsAligned(ramSize))
            {
                Console.Error.WriteLine($"emulator boot: --ram {parse.GetValue(ram)}: expected a page-aligned size such as 256M or 1G");
                return 2;
            }
            var options = new MachineOptions
            {
                RamSize = ramSize,
                Paging = parse.GetValue(paging) == 5 ? Core.Paging.PagingMode.FiveLevel : Core.Paging.PagingMode.FourLevel,
            };
            return Run(options, AnsiConsole.Console);
        });
        return cmd;
    }

    /// <summary>Runs the demonstration; 0 when every step did what the machine promises.</summary>
    internal static int Run(MachineOptions options, IAnsiConsole console)
    {
        Machine machine;
        try
        {
            machine = new Machine(options);
        }
        catch (ArgumentOutOfRangeException e)
        {
            console.MarkupLineInterpolated($"[red]emulator boot: {e.Message}[/]");
            return 2;
        }
        console.MarkupLineInterpolated($"[bold]emulator[/] machine core: {options.RamSize >> 20} MiB RAM, {(int)options.Paging}-level paging, backend sim");
        if (machine.CreateAddressSpace(out var mm) != Errno.Ok)
        {
            console.MarkupLine("[red]out of memory creating the process[/]");
            return 1;
        }
        const ulong pages = 16;
        var err = mm!.Mmap(0, pages * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong va);
        if (err != Errno.Ok)
        {
            console.MarkupLineInterpolated($"[red]mmap failed: {err}[/]");
            return 1;
        }
        console.MarkupLineInterpolated($"mmap  {pages} pages rw-p at 0x{va:x}");

        var pattern = new byte[pages * Page.Size];
        for (int i = 0; i < pattern.Length; i += 4)
        {
            BitConverter.TryWriteBytes(pattern.AsSpan(i), (uint)(i / 4));
        }
        if (mm.WriteUser(va, pattern, out ulong fault) != Errno.Ok)
        {
            console.MarkupLineInterpolated($"[red]store faulted at 0x{fault:x}[/]");
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
        err = mm.Munmap(unmapAt, 8 * Page.Size);
        console.MarkupLineInterpolated($"munmap 8 pages at 0x{unmapAt:x}: {err}");

        var table = new Table().AddColumns("#", "callback", "range", "event");
        int n = 0;
        foreach (var line in recorder.Events)
        {
            table.AddRow((++n).ToString(), Markup.Escape(line.Callback), Markup.Escape(line.Range), Markup.Escape(line.Event));
        }
        console.Write(table);

        var check = new byte[Page.Size];
        bool dataOk = mm.ReadUser(va, check, out _) == Errno.Ok && check.AsSpan().SequenceEqual(pattern.AsSpan(0, Page.Size));
        bool faults = mm.ReadUser(unmapAt, check, out ulong segv) == Errno.EFAULT && segv == unmapAt;
        bool sawShootdown = recorder.Events.Count == 3 && recorder.Events[0].Callback == "invalidate_range_start" &&
                            recorder.Events[1].Callback == "arch_invalidate_secondary_tlbs" && recorder.Events[2].Callback == "invalidate_range_end";
        console.MarkupLine("read back kept page: " + (dataOk ? "[green]ok[/]" : "[red]MISMATCH[/]") +
                           "; load from unmapped page: " + (faults ? "[green]SIGSEGV[/]" : "[red]no fault[/]"));

        MmuNotifierSubscriptions.Put(sub!);
        mm.Exit();
        mm.Notifiers.Synchronize();
        console.MarkupLineInterpolated($"exit: {machine.Frames.AllocatedFrames} frames in use; mm stats: {mm.Stats}");
        bool ok = err == Errno.Ok && dataOk && faults && sawShootdown && machine.Frames.AllocatedFrames == 0;
        console.MarkupLine(ok ? "[green]boot demo passed[/]" : "[red]boot demo FAILED[/]");
        return ok ? 0 : 1;
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
