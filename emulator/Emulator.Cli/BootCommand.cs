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
/// <c>emulator boot</c>: runs the built-in guest, a static x86-64 ELF (<c>--guest FILE -- ARGS</c>) or the
/// API demonstration (<c>--demo</c>, <c>--record</c>) on a machine with one SVA device. The guest owns
/// stdout and stderr; the summary goes to stderr, <c>--summary</c> or <c>--json</c>. Exit codes:
/// <see cref="ExitCodes"/>, with the guest's own status (or <c>--error-exitcode</c>) for <c>--guest</c>.
/// </summary>
internal static partial class BootCommand
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
        var schedule = new Option<string>("--schedule") { Description = "How threads and device engines interleave: random (seeded quanta) or pct:D[:K] (probabilistic concurrency testing, depth D, K steps; one vCPU)", HelpName = "random|pct:D[:K]", DefaultValueFactory = _ => "random" };
        var deviceCount = new Option<int>("--devices") { Description = "SVA devices (/dev/sva0, /dev/sva1, ...; 1..16)", HelpName = "n", DefaultValueFactory = _ => 1 };
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
        var cpuMode = CpuModeOption.Create();
        var tracing = new TraceOptions();
        var cmd = new Command("boot",
            "Boot the emulator and run a guest: the built-in one by default, any static x86-64 ELF with --guest, or the API demonstration with --demo " +
            "(sim backend unless --backend board or --config say otherwise)." +
            ExitCodes.Help("the built-in guest or the demonstration found a problem (a check failed, the oracle fired, lockstep diverged)") +
            $" With --guest the exit status is the guest's own (128 + N when signal N killed it), or --error-exitcode (default {ExitCodes.DefaultGuestErrorExitCode}) when the oracle, lockstep or the emulator found a problem; 2 and 3 keep their meaning for failures before the guest starts. " +
            "Ctrl-C is the guest's console SIGINT (its handler runs, or it dies of it: 130 with the summary); a second Ctrl-C stops the emulator at once.")
        {
            ram, paging, inject, record, demo, guest, seed, vcpus, cpu, cpuMode, schedule, deviceCount, root, overlay, backend, config, errorExit, summary, json, verbose, guestArgs,
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
                Schedule = parse.GetValue(schedule)!,
                Devices = parse.GetValue(deviceCount),
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
            using (CpuModeOption.Use(parse, cpuMode))
            {
                return Run(boot, context, parse);
            }
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
        public string Schedule { get; init; } = "random";
        public int Devices { get; init; } = 1;
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
        if (!Core.Kernel.SchedulePolicy.TryParse(a.Schedule, out var policy, out string? scheduleError))
        {
            stderr.WriteLine($"emulator boot: --schedule {a.Schedule}: {scheduleError}");
            return ExitCodes.Usage;
        }
        if (a.Devices is < 1 or > 16)
        {
            stderr.WriteLine($"emulator boot: --devices {a.Devices}: expected 1..16");
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
                : RunGuest(a, policy, options, context, board, tracing);
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
    private static int RunGuest(BootArgs a, Core.Kernel.SchedulePolicy policy, MachineOptions options, CliContext context, BoardRun? board, TraceRun? tracing)
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
            Schedule = policy,
            FileSystem = fs,
            Stdin = stdin,
            StdinHostFd = 0,
            StdoutHostFd = 1,
            StderrHostFd = 2,
            Image = Core.Kernel.Exec.ProcessImageOptions.Default with { Uid = uid, Euid = uid, Gid = gid, Egid = gid },
        };
        // The guest owns stdout and stderr: the emulator's summary goes to stderr after the guest's
        // output, or to --summary/--json.
        // Ctrl-C is the guest's console SIGINT (a press before the guest runs reaches it as it starts);
        // a second press ends the emulator at once.
        using var interrupt = Interrupt.Listen();
        var outcome = GuestCommand.Execute(image, argv, options, stderr, stdout, guestStderr, kernel, a.Verbose, devices: a.Devices,
            onKernel: k => interrupt.Token.Register(k.InterruptFromConsole));
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
            foreach (string d in board.Failures())
            {
                problems.Add("emulator: " + d);
            }
        }
        bool builtin = a.Guest is null;
        int exit = builtin
            ? (summary.GuestStatus == 0 && problems.Count == 0 ? ExitCodes.Success : ExitCodes.Finding)
            : problems.Count > 0 ? a.ErrorExitCode : summary.GuestStatus;
        if (board?.GoneReason is { } gone)
        {
            // The board could not be verified to the end: an environment failure, not the guest's.
            problems.Add($"emulator: {gone}: exit status {ExitCodes.Environment}");
            exit = ExitCodes.Environment;
        }
        else if (!builtin && problems.Count > 0)
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
        var lies = board.Failures();
        foreach (string d in lies)
        {
            console.MarkupLine("[red]" + Markup.Escape(d) + "[/]");
        }
        if (board.GoneReason is not null)
        {
            return ExitCodes.Environment;
        }
        return rc == 0 && lies.Count > 0 ? 1 : rc;
    }
}
