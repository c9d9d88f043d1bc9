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

/// <summary>
/// <c>emulator boot</c>. Until the CPU can run guest code it runs a built-in demonstration through
/// the real machine-core API: a process maps memory, touches it, a notifier subscribes, part of the
/// mapping is unmapped, and what the notifier saw is printed.
/// </summary>
internal static class BootCommand
{
    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var ram = new Option<string>("--ram") { Description = "RAM size (e.g. 256M, 1G)", HelpName = "size", DefaultValueFactory = _ => "1G" };
        var paging = new Option<int>("--paging") { Description = "Paging levels: 4 or 5", HelpName = "4|5", DefaultValueFactory = _ => 4 };
        paging.AcceptOnlyFromAmong("4", "5");
        var inject = new Option<string[]>("--inject")
        {
            Description = "Fault-injection switch (repeatable): " + string.Join(", ", FaultInjectionNames.All),
            HelpName = "name",
            AllowMultipleArgumentsPerToken = false,
        };
        var record = new Option<string?>("--record") { Description = "Run the API demonstration (--demo) and write it as a v1 trace to FILE (- for stdout; replay it with: emulator replay FILE)", HelpName = "file" };
        var demo = new Option<bool>("--demo") { Description = "Run the API-level demonstration instead of a guest program" };
        var guest = new Option<string?>("--guest") { Description = "Run a static x86-64 ELF executable (with /dev/sva0); its arguments follow --", HelpName = "elf" };
        var seed = new Option<ulong>("--seed") { Description = "Scheduler seed (the same seed gives the same interleaving)", HelpName = "n", DefaultValueFactory = _ => 1 };
        var vcpus = new Option<int>("--vcpus") { Description = "Virtual CPUs (1..64)", HelpName = "n", DefaultValueFactory = _ => 1 };
        var root = new Option<string?>("--root") { Description = "Confine the guest to this host directory as its / (paths are resolved by the emulator: no .. or symlink escape)", HelpName = "dir" };
        var overlay = new Option<bool>("--overlay") { Description = "Keep the host read-only: the guest's writes go to an in-memory layer discarded at exit" };
        var cpu = new Option<string>("--cpu") { Description = "CPU level the guest sees (CPUID, AT_HWCAP, instruction set)", HelpName = "x86-64-v1|x86-64-v2|x86-64-v3", DefaultValueFactory = _ => "x86-64-v3" };
        cpu.AcceptOnlyFromAmong("x86-64-v1", "x86-64-v2", "x86-64-v3");
        var guestArgs = new Argument<string[]>("args") { Description = "Arguments of the --guest program (after --)", Arity = ArgumentArity.ZeroOrMore, HelpName = "args" };
        var backend = new Option<string?>("--backend") { Description = "sim (the model) or board; default: the configuration's (sim without --config)", HelpName = "sim|board" };
        backend.AcceptOnlyFromAmong("sim", "board");
        var config = new Option<string?>("--config") { Description = "Hardware configuration file (hw-config.yaml)", HelpName = "file" };
        var errorExit = new Option<int>("--error-exitcode")
        {
            Description = $"With --guest: exit with N when the oracle, lockstep or the emulator found a problem (the guest's own status otherwise)",
            HelpName = "n",
            DefaultValueFactory = _ => ExitCodes.DefaultGuestErrorExitCode,
        };
        var summary = new Option<string?>("--summary") { Description = "Write the run's summary to FILE instead of stderr (- for stdout)", HelpName = "file" };
        var json = new Option<string?>("--json") { Description = "Also write the summary as JSON to FILE (- for stdout)", HelpName = "file" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Every oracle finding with its whole command history" };
        var tracing = new TraceOptions();
        var cmd = new Command("boot",
            "Boot the emulator and run a guest: the built-in one by default, any static x86-64 ELF with --guest, or the API demonstration with --demo " +
            "(sim backend unless --backend board or --config say otherwise)." +
            ExitCodes.Help("the built-in guest or the demonstration found a problem (a check failed, the oracle fired, lockstep diverged)") +
            $" With --guest the exit status is the guest's own (128 + N when signal N killed it), or --error-exitcode (default {ExitCodes.DefaultGuestErrorExitCode}) when the oracle, lockstep or the emulator found a problem; 2 and 3 keep their meaning for failures before the guest starts.")
        {
            ram, paging, inject, record, demo, guest, seed, vcpus, cpu, root, overlay, backend, config, errorExit, summary, json, verbose, guestArgs,
        };
        tracing.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            if (!GuestArguments.TryGet(parse, guestArgs, out string[] args, out string? argError))
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, context.Stderr, argError!);
            }
            string? guestPath = parse.GetValue(guest);
            if (args.Length > 0 && guestPath is null)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, context.Stderr, "arguments after -- are for a --guest program");
            }
            var boot = new BootArgs
            {
                Ram = parse.GetValue(ram)!,
                Paging = parse.GetValue(paging),
                Inject = parse.GetValue(inject) ?? [],
                Record = parse.GetValue(record),
                Demo = parse.GetValue(demo),
                Guest = guestPath,
                GuestArgs = args,
                Seed = parse.GetValue(seed),
                Vcpus = parse.GetValue(vcpus),
                Cpu = parse.GetValue(cpu)!,
                Root = parse.GetValue(root),
                Overlay = parse.GetValue(overlay),
                Backend = parse.GetValue(backend),
                Config = parse.GetValue(config),
                ErrorExitCode = parse.GetValue(errorExit),
                Summary = parse.GetValue(summary),
                Json = parse.GetValue(json),
                Verbose = parse.GetValue(verbose),
                Tracing = tracing.Read(parse),
            };
            return Run(boot, context, parse);
        });
        return cmd;
    }

    /// <summary>The command's options, already split from the command line.</summary>
    internal sealed record BootArgs
    {
        public string Ram { get; init; } = "1G";
        public int Paging { get; init; } = 4;
        public string[] Inject { get; init; } = [];
        public string? Record { get; init; }
        public bool Demo { get; init; }
        public string? Guest { get; init; }
        public string[] GuestArgs { get; init; } = [];
        public ulong Seed { get; init; } = 1;
        public int Vcpus { get; init; } = 1;
        public string Cpu { get; init; } = "x86-64-v3";
        public string? Root { get; init; }
        public bool Overlay { get; init; }
        public string? Backend { get; init; }
        public string? Config { get; init; }
        public int ErrorExitCode { get; init; } = ExitCodes.DefaultGuestErrorExitCode;
        public string? Summary { get; init; }
        public string? Json { get; init; }
        public bool Verbose { get; init; }
        public TraceSettings Tracing { get; init; } = TraceSettings.Off;
    }

    /// <summary>Runs <c>boot</c> with already-parsed arguments.</summary>
    internal static int Run(BootArgs a, CliContext context, System.CommandLine.ParseResult? parse = null)
    {
        var stderr = context.Stderr;
        if (a.Tracing.List)
        {
            TraceRun.List(context.Stdout);
            return ExitCodes.Success;
        }
        var faults = FaultInjection.None;
        foreach (var name in a.Inject)
        {
            if (!FaultInjectionNames.TryParse(name, out var one, out var error))
            {
                stderr.WriteLine($"emulator boot: --inject {name}: {error}");
                return ExitCodes.Usage;
            }
            faults |= one;
        }
        if (!SizeParser.TryParse(a.Ram, out ulong ramSize) || ramSize == 0 || !Page.IsAligned(ramSize))
        {
            stderr.WriteLine($"emulator boot: --ram {a.Ram}: expected a page-aligned size such as 256M or 1G");
            return ExitCodes.Usage;
        }
        if (a.Vcpus is < 1 or > 64)
        {
            stderr.WriteLine($"emulator boot: --vcpus {a.Vcpus}: expected 1..64");
            return ExitCodes.Usage;
        }
        bool demoMode = a.Demo || a.Record is not null;
        if (demoMode && a.Guest is not null)
        {
            stderr.WriteLine("emulator boot: --guest runs a program; --demo and --record run the API demonstration: choose one");
            return ExitCodes.Usage;
        }
        var options = new MachineOptions
        {
            RamSize = ramSize,
            Paging = a.Paging == 5 ? Core.Paging.PagingMode.FiveLevel : Core.Paging.PagingMode.FourLevel,
            Inject = faults,
        };
        var hw = BoardSetup.Load("boot", a.Config, a.Backend, null, stderr, out int configCode);
        if (hw is null)
        {
            return configCode;
        }
        using var tracing = TraceRun.Open("boot", a.Tracing, context, out int traceCode);
        if (traceCode != ExitCodes.Success)
        {
            return traceCode;
        }
        using var board = BoardRun.Open("boot", hw, stderr, out bool boardFailed, tracing?.Session);
        if (boardFailed)
        {
            return ExitCodes.Environment;
        }
        if (board is not null)
        {
            options = options with { Backend = board.Create };
        }
        try
        {
            return demoMode
                ? RunDemo(a, options, context, parse, board, tracing)
                : RunGuest(a, options, context, board, tracing);
        }
        catch (BoardLostException)
        {
            return board!.ReportLost("boot", stderr);
        }
    }

    private static int RunDemo(BootArgs a, MachineOptions options, CliContext context, System.CommandLine.ParseResult? parse, BoardRun? board, TraceRun? tracing)
    {
        var console = context.Out(parse);
        int rc;
        if (a.Record is null)
        {
            rc = Run(options, console);
        }
        else
        {
            int openCode = CliFiles.TryCreateText(a.Record, "boot", "--record", context.Stderr, out var file, context.Stdout);
            if (openCode != ExitCodes.Success)
            {
                return openCode;
            }
            using (file)
            {
                // With --record -, the trace owns stdout: the demonstration's report goes to stderr.
                rc = Run(options, a.Record == CliFiles.StdStream ? context.Err(parse) : console, file);
            }
        }
        tracing?.Finish();
        tracing?.Statistics?.WriteText(a.Record == CliFiles.StdStream ? context.Stderr : context.Stdout);
        return board is null ? rc : ReportBoard(board, context.Err(parse), rc);
    }

    /// <summary>The built-in guest (0/1) or a --guest program (its status, or --error-exitcode).</summary>
    private static int RunGuest(BootArgs a, MachineOptions options, CliContext context, BoardRun? board, TraceRun? tracing)
    {
        var stderr = context.Stderr;
        var level = a.Cpu switch
        {
            "x86-64-v1" => Core.Cpu.CpuLevel.V1,
            "x86-64-v2" => Core.Cpu.CpuLevel.V2,
            _ => Core.Cpu.CpuLevel.V3,
        };
        byte[] image;
        string[] argv;
        if (a.Guest is { } path)
        {
            if (!GuestCommand.TryReadExecutable(path, out byte[]? file, out string? readError, out int readCode))
            {
                stderr.WriteLine($"emulator boot: --guest {path}: {readError}");
                return readCode;
            }
            image = file!;
            argv = [path, .. a.GuestArgs];
        }
        else
        {
            image = BuiltinGuest.Build();
            argv = ["builtin"];
        }
        var fsOptions = new Core.Kernel.Fs.FsOptions
        {
            Root = a.Root ?? "/",
            Overlay = a.Overlay,
            RandomSeed = a.Seed,
            CpuLevel = level,
            Cpus = a.Vcpus,
            MemoryBytes = options.RamSize,
        };
        Core.Kernel.Fs.GuestFileSystem fs;
        try
        {
            fs = new Core.Kernel.Fs.GuestFileSystem(fsOptions);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"emulator boot: --root {a.Root}: {e.Message}");
            return a.Root is not null && !Directory.Exists(a.Root) ? ExitCodes.Environment : ExitCodes.Usage;
        }
        TextWriter? summaryFile = null, jsonFile = null;
        if (a.Summary is not null && CliFiles.TryCreateText(a.Summary, "boot", "--summary", stderr, out summaryFile, context.Stdout) is int sc && sc != 0)
        {
            return sc;
        }
        using var summaryOwner = summaryFile;
        if (a.Json is not null && CliFiles.TryCreateText(a.Json, "boot", "--json", stderr, out jsonFile, context.Stdout) is int jc && jc != 0)
        {
            return jc;
        }
        using var jsonOwner = jsonFile;
        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        using var guestStderr = Console.OpenStandardError();
        uint uid = Core.Kernel.Fs.GuestFileSystem.HostUid, gid = Core.Kernel.Fs.GuestFileSystem.HostGid;
        var kernel = new Core.Kernel.GuestKernelOptions
        {
            Seed = a.Seed,
            Vcpus = a.Vcpus,
            CpuLevel = level,
            FileSystem = fs,
            Stdin = stdin,
            StdinHostFd = 0,
            StdoutHostFd = 1,
            StderrHostFd = 2,
            Image = Core.Kernel.Exec.ProcessImageOptions.Default with { Uid = uid, Euid = uid, Gid = gid, Egid = gid },
        };
        // The guest owns stdout and stderr: the emulator's summary goes to stderr after the guest's
        // output, or to --summary/--json.
        var outcome = GuestCommand.Execute(image, argv, options, stderr, stdout, guestStderr, kernel, a.Verbose);
        tracing?.CountAtc(outcome.Machine);
        tracing?.Finish();
        if (outcome.Summary is not { } summary)
        {
            return outcome.StartFailure;
        }
        var problems = new List<string>();
        if (!summary.Coherent)
        {
            problems.Add($"emulator: the coherence oracle fired: {summary.OracleStale} stale DMA accesses, {summary.OracleViolations} ATC entries outliving their mapping");
        }
        string? boardLine = null;
        if (board is not null)
        {
            boardLine = BoardLine(board);
            foreach (string d in board.BoardOnlyDivergences())
            {
                problems.Add("emulator: " + d);
            }
        }
        bool builtin = a.Guest is null;
        int exit = builtin
            ? (summary.GuestStatus == 0 && problems.Count == 0 ? ExitCodes.Success : ExitCodes.Finding)
            : problems.Count > 0 ? a.ErrorExitCode : summary.GuestStatus;
        if (!builtin && problems.Count > 0)
        {
            problems.Add($"emulator: exit status {a.ErrorExitCode} (--error-exitcode) instead of the guest's {summary.GuestStatus}");
        }
        summary = summary with { Problems = problems, ExitCode = exit, Board = boardLine, Stats = tracing?.Statistics };
        stdout.Flush();
        guestStderr.Flush();
        summary.WriteText(summaryFile ?? stderr);
        jsonFile?.Write(summary.ToJson());
        return exit;
    }

    /// <summary>The board's counters, one line.</summary>
    internal static string BoardLine(BoardRun board)
    {
        var st = board.Link.Stats;
        return $"board {board.Link.Description}: {st.Invalidations} ATC_INVs, {st.Completed} completed, {st.Syncs} SYNCs ({st.SyncTimeouts} timed out), {st.Fills} fills mirrored, {st.Resent} re-sent, {st.Reconnects} reconnects; lockstep {(board.Lockstep ? $"{board.Current?.LockstepChecks ?? 0} checks" : "off")}";
    }

    /// <summary>After a boot on the board: its counters, and a failure for each translation lockstep
    /// found on the board that the model had invalidated.</summary>
    internal static int ReportBoard(BoardRun board, IAnsiConsole console, int rc)
    {
        console.WriteLine(BoardLine(board));
        var lies = board.BoardOnlyDivergences();
        foreach (string d in lies)
        {
            console.MarkupLine("[red]" + Markup.Escape(d) + "[/]");
        }
        return rc == 0 && lies.Count > 0 ? 1 : rc;
    }

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
