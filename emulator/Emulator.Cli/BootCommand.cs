using System.CommandLine;
using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Iommu;
using Emulator.Core.Notifiers;
using Emulator.Core.Sva;
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
        var inject = new Option<string[]>("--inject")
        {
            Description = "Fault-injection switch (repeatable): " + string.Join(", ", FaultInjectionNames.All),
            AllowMultipleArgumentsPerToken = false,
        };
        var cmd = new Command("boot", "Boot the emulator on the default (sim) backend") { ram, paging, inject };
        cmd.SetAction(parse =>
        {
            var faults = FaultInjection.None;
            foreach (var name in parse.GetValue(inject) ?? [])
            {
                if (!FaultInjectionNames.TryParse(name, out var one, out var error))
                {
                    Console.Error.WriteLine($"emulator boot: --inject {name}: {error}");
                    return 2;
                }
                faults |= one;
            }
            if (!SizeParser.TryParse(parse.GetValue(ram)!, out ulong ramSize) || ramSize == 0 || !Page.IsAligned(ramSize))
            {
                Console.Error.WriteLine($"emulator boot: --ram {parse.GetValue(ram)}: expected a page-aligned size such as 256M or 1G");
                return 2;
            }
            var options = new MachineOptions
            {
                RamSize = ramSize,
                Paging = parse.GetValue(paging) == 5 ? Core.Paging.PagingMode.FiveLevel : Core.Paging.PagingMode.FourLevel,
                Inject = faults,
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

        bool svaOk = RunSva(machine, mm, va, pattern, console, out long smmuFrames);

        mm.Exit();
        mm.Notifiers.Synchronize();
        long leaked = machine.Frames.AllocatedFrames - smmuFrames;
        console.MarkupLineInterpolated($"exit: {leaked} of the process's frames still in use; mm stats: {mm.Stats}");
        bool ok = err == Errno.Ok && dataOk && faults && sawShootdown && svaOk && leaked == 0;
        console.MarkupLine(ok ? "[green]boot demo passed[/]" : "[red]boot demo FAILED[/]");
        return ok ? 0 : 1;
    }

    /// <summary>
    /// The SVA part: a device is bound to the process, reads and writes its memory by DMA through
    /// ATS/ATC, the process unmaps pages under the device's feet, and the oracle judges the run.
    /// </summary>
    private static bool RunSva(Machine machine, AddressSpace mm, ulong va, byte[] pattern, IAnsiConsole console, out long smmuFrames)
    {
        const uint sid = 0x10;
        long before = machine.Frames.AllocatedFrames;
        smmuFrames = 0;
        if (machine.AddDevice(sid, ats: true, pri: true, pasidBits: 20, out var device) != Errno.Ok ||
            machine.Sva!.Bind(new SvaDevice(sid, 20), mm, out var bond) != Errno.Ok)
        {
            console.MarkupLine("[red]could not add and bind the device[/]");
            return false;
        }
        long bindFrames = machine.Frames.AllocatedFrames - before;
        string inject = machine.Options.Inject == FaultInjection.None ? "none" : FaultInjectionNames.Format(machine.Options.Inject);
        console.MarkupLineInterpolated($"device sid 0x{sid:x} (ATS, PRI) bound: PASID {bond!.Pasid}; fault injection: {inject}");

        var buf = new byte[Page.Size];
        bool readOk = device!.Read(bond.Pasid, va, buf).IsOk && buf.AsSpan().SequenceEqual(pattern.AsSpan(0, Page.Size));
        bool writeOk = device.Write(bond.Pasid, va + Page.Size, [0xAB]).IsOk;
        var cpu = new byte[1];
        writeOk &= mm.ReadUser(va + Page.Size, cpu, out _) == Errno.Ok && cpu[0] == 0xAB;
        console.MarkupLine("DMA read sees CPU data: " + (readOk ? "[green]ok[/]" : "[red]NO[/]") +
                           "; CPU sees DMA write: " + (writeOk ? "[green]ok[/]" : "[red]NO[/]"));

        long cmds = machine.SmmuDriver!.Stats.TotalCommands;
        mm.Munmap(va, 4 * Page.Size);
        cmds = machine.SmmuDriver.Stats.TotalCommands - cmds;
        var after = device.Read(bond.Pasid, va, buf);
        console.MarkupLineInterpolated($"munmap 4 pages under the device: {cmds} SMMU commands; DMA read afterwards: {(after.IsOk ? "succeeded (through a stale translation)" : "faulted")}");

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
        machine.Sva.Unbind(bond);
        mm.Notifiers.Synchronize();
        smmuFrames = bindFrames;
        bool clean = oracle.Stale == 0 && oracle.Violations == 0;
        console.MarkupLine(clean ? "oracle: [green]coherent[/]" : "oracle: [red]FIRED[/]");
        return readOk && writeOk && !after.IsOk && clean;
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
