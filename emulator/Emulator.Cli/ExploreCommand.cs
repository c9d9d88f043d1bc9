using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel;
using Emulator.Cli.Shell;
using Emulator.Cli.Tracing;

namespace Emulator.Cli;

/// <summary>
/// <c>emulator explore</c>: runs a guest under many schedules — seeds of the random scheduler, or of
/// PCT — and reports every schedule in which the oracle fired or the guest failed, with the exact
/// <c>boot</c> command that reproduces it. <c>--shard K/M</c> takes every M-th seed from the K-th, so a
/// sweep splits over any batch system; <c>explore merge</c> combines the shards' <c>--json</c> results.
/// </summary>
internal static class ExploreCommand
{
    public static Command Create() => Create(CliContext.FromConsole());

    public static Command Create(CliContext context)
    {
        var guest = new Option<string>("--guest") { Description = "The static x86-64 executable to explore (its arguments follow --)", HelpName = "elf", Required = true };
        var seeds = new Option<int>("--seeds") { Description = "Schedules to run (1..10,000,000)", HelpName = "n", DefaultValueFactory = _ => 100 };
        var firstSeed = new Option<ulong>("--first-seed") { Description = "The first seed", HelpName = "n", DefaultValueFactory = _ => 1 };
        var strategy = new Option<string>("--strategy") { Description = "random (seeded quanta over --vcpus) or pct (probabilistic concurrency testing at --depth, one vCPU)", HelpName = "random|pct", DefaultValueFactory = _ => "random" };
        strategy.AcceptOnlyFromAmong("random", "pct");
        var depth = new Option<int>("--depth") { Description = "PCT's bug depth D (D - 1 priority change points; 1..16)", HelpName = "d", DefaultValueFactory = _ => 2 };
        var inject = new Option<string[]>("--inject") { Description = "Fault-injection switch (repeatable): " + string.Join(", ", FaultInjectionNames.All), HelpName = "name", AllowMultipleArgumentsPerToken = false };
        var shard = new Option<string?>("--shard") { Description = "Run only the seeds whose index is K-1 modulo M (for a batch system's array job; combine the --json results with explore merge)", HelpName = "K/M" };
        var vcpus = new Option<int>("--vcpus") { Description = "Virtual CPUs for the random strategy (1..64)", HelpName = "n", DefaultValueFactory = _ => 2 };
        var devices = new Option<int>("--devices") { Description = "SVA devices (1..16)", HelpName = "n", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Write the result as JSON to stdout (for explore merge)" };
        var args = new Argument<string[]>("args") { Description = "The guest's arguments (after --)", HelpName = "args", Arity = ArgumentArity.ZeroOrMore };
        var tracing = new Tracing.TraceOptions();
        var cmd = new Command("explore",
            "Run a guest under many schedules of its threads and the devices' asynchronous engines, and report every schedule where the oracle fires or the guest fails, " +
            "with the boot command that replays it (docs/design/async-device.md)." +
            ExitCodes.Help("a schedule failed"))
        {
            guest, seeds, firstSeed, strategy, depth, inject, shard, vcpus, devices, json, args,
        };
        tracing.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var stderr = context.Stderr;
            if (!GuestArguments.TryGet(parse, args, out string[] guestArgs, out string? argError))
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, stderr, argError!);
            }
            var faults = FaultInjection.None;
            foreach (string name in parse.GetValue(inject) ?? [])
            {
                if (!FaultInjectionNames.TryParse(name, out var one, out string? error))
                {
                    return StrictParser.UsageError(parse, EmulatorCli.Program, stderr, $"--inject {name}: {error}");
                }
                faults |= one;
            }
            int shardIndex = 0, shardCount = 1;
            if (parse.GetValue(shard) is { } s && !TryParseShard(s, out shardIndex, out shardCount))
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, stderr, $"--shard {s}: expected K/M with 1 <= K <= M");
            }
            if (parse.GetValue(seeds) is < 1 or > 10_000_000 || parse.GetValue(depth) is < 1 or > 16 || parse.GetValue(vcpus) is < 1 or > 64 || parse.GetValue(devices) is < 1 or > 16)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, stderr, "--seeds 1..10000000, --depth 1..16, --vcpus 1..64, --devices 1..16");
            }
            string path = parse.GetValue(guest)!;
            if (!GuestCommand.TryReadExecutable(path, out byte[]? file, out string? readError, out int readCode))
            {
                stderr.WriteLine($"emulator explore: --guest {path}: {readError}");
                return readCode;
            }
            var plan = new ExplorePlan(path, guestArgs, parse.GetValue(strategy) == "pct" ? ScheduleStrategy.Pct : ScheduleStrategy.Random,
                parse.GetValue(depth), faults, parse.GetValue(vcpus), parse.GetValue(devices));
            var trace = tracing.Read(parse);
            if (trace.List)
            {
                TraceRun.List(context.Stdout);
                return ExitCodes.Success;
            }
            int knownSteps = 0;
            TraceRun? traceRun = null;
            if (trace.Any)
            {
                if (parse.GetValue(seeds) != 1 || shardCount != 1)
                {
                    return StrictParser.UsageError(parse, EmulatorCli.Program, stderr,
                        "--trace, --timeline and --stats follow one schedule: add --seeds 1 (with --first-seed S), or run the reproducing boot command with them");
                }
                if (plan.Strategy == ScheduleStrategy.Pct)
                {
                    knownSteps = Calibrate(plan, file!, parse.GetValue(firstSeed)); // before tracing starts: only the schedule itself is traced
                }
                traceRun = TraceRun.Open("explore", trace, context, out int traceCode);
                if (traceCode != ExitCodes.Success)
                {
                    return traceCode;
                }
            }
            using var interrupt = Interrupt.Listen();
            ExploreResult result;
            using (traceRun)
            {
                result = Run(plan, file!, parse.GetValue(firstSeed), parse.GetValue(seeds), shardIndex, shardCount,
                    context.ShowProgress ? stderr : null, interrupt.Token, knownSteps);
                traceRun?.Finish();
            }
            if (parse.GetValue(json))
            {
                context.Stdout.WriteLine(JsonSerializer.Serialize(result, ExploreJson.Options));
            }
            else
            {
                Print(result, context.Stdout);
            }
            traceRun?.Statistics?.WriteText(parse.GetValue(json) ? stderr : context.Stdout);
            if (interrupt.Requested)
            {
                stderr.WriteLine($"emulator explore: interrupted after {result.Runs} schedules");
                return ExitCodes.Interrupted;
            }
            return result.Failures.Count > 0 ? ExitCodes.Finding : ExitCodes.Success;
        });
        var files = new Argument<string[]>("results") { Description = "JSON results of explore --json, one per shard", HelpName = "file", Arity = ArgumentArity.OneOrMore };
        var merge = new Command("merge", "Combine the --json results of explore's shards into one report." + ExitCodes.Help("a schedule failed")) { files };
        merge.SetAction(parse =>
        {
            var stderr = context.Stderr;
            if (StrictParser.OptionLikeArgument(parse, files) is { } unknown)
            {
                return StrictParser.UsageError(parse, EmulatorCli.Program, stderr, $"unknown option '{unknown}'");
            }
            var parts = new List<ExploreResult>();
            foreach (string f in parse.GetValue(files) ?? [])
            {
                try
                {
                    using var stream = File.OpenRead(f);
                    if (!stream.CanSeek || stream.Length > MaxResultBytes)
                    {
                        stderr.WriteLine($"emulator explore merge: {f}: not a regular file of at most {MaxResultBytes >> 20} MiB (an explore --json result)");
                        return ExitCodes.Usage;
                    }
                    parts.Add(JsonSerializer.Deserialize<ExploreResult>(stream, ExploreJson.Options) ?? throw new JsonException("empty"));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    stderr.WriteLine($"emulator explore merge: {f}: {HostErrors.Describe(e)}");
                    return ExitCodes.Environment;
                }
                catch (JsonException e)
                {
                    stderr.WriteLine($"emulator explore merge: {f}: not an explore --json result: {e.Message}");
                    return ExitCodes.Usage;
                }
            }
            if (!TryMerge(parts, out var merged, out string? mergeError))
            {
                stderr.WriteLine($"emulator explore merge: {mergeError}");
                return ExitCodes.Usage;
            }
            Print(merged!, context.Stdout);
            if (merged!.Shard.Contains(" of ", StringComparison.Ordinal))
            {
                stderr.WriteLine($"emulator explore merge: {merged.Shard} shards: the seeds of the missing ones were not explored");
            }
            return merged.Failures.Count > 0 ? ExitCodes.Finding : ExitCodes.Success;
        });
        cmd.Add(merge);
        return cmd;
    }

    /// <summary>The largest result file merge reads (a result of a million failing seeds is ~300 MiB; one
    /// of ordinary size is kilobytes).</summary>
    private const long MaxResultBytes = 256L << 20;

    private static bool TryParseShard(string text, out int index, out int count)
    {
        index = count = 0;
        var p = text.Split('/');
        if (p.Length != 2 || !int.TryParse(p[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k) ||
            !int.TryParse(p[1], NumberStyles.None, CultureInfo.InvariantCulture, out int m) || k < 1 || m < 1 || k > m)
        {
            return false;
        }
        index = k - 1;
        count = m;
        return true;
    }

    /// <summary>Runs the plan's schedules for the shard's seeds; progress on <paramref name="progress"/>
    /// when it is a terminal.</summary>
    /// <param name="plan">What to explore.</param>
    /// <param name="file">The guest executable's bytes.</param>
    /// <param name="firstSeed">The first seed.</param>
    /// <param name="seeds">How many seeds (before sharding).</param>
    /// <param name="shardIndex">K − 1 of <c>--shard K/M</c>.</param>
    /// <param name="shardCount">M.</param>
    /// <param name="progress">Where a progress line goes (a terminal), or null.</param>
    /// <param name="cancel">Ctrl-C: stop after the schedule in hand.</param>
    /// <param name="knownSteps">PCT's K when already measured (0: measure it with a first schedule).</param>
    internal static ExploreResult Run(ExplorePlan plan, byte[] file, ulong firstSeed, int seeds, int shardIndex, int shardCount, TextWriter? progress = null,
        CancellationToken cancel = default, int knownSteps = 0)
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<ExploreFailure>();
        int runs = 0;
        int steps = 0;
        bool tty = progress is not null;
        long lastProgress = 0;
        if (plan.Strategy == ScheduleStrategy.Pct)
        {
            steps = knownSteps > 0 ? knownSteps : Calibrate(plan, file, firstSeed);
        }
        for (int i = shardIndex; i < seeds && !cancel.IsCancellationRequested; i += shardCount)
        {
            ulong seed = firstSeed + (ulong)i;
            var policy = plan.Strategy == ScheduleStrategy.Pct ? new SchedulePolicy(ScheduleStrategy.Pct, plan.Depth, steps) : SchedulePolicy.Default;
            var outcome = RunOne(plan, file, seed, policy);
            runs++;
            if (outcome.Finding is { } finding)
            {
                failures.Add(new ExploreFailure(seed, finding, Reproduce(plan, seed, policy)));
            }
            if (tty && Stopwatch.GetElapsedTime(lastProgress).TotalSeconds >= 0.25)
            {
                lastProgress = Stopwatch.GetTimestamp();
                int total = (seeds - shardIndex + shardCount - 1) / shardCount;
                progress!.Write($"\rexplore: {runs}/{total} schedules, {failures.Count} failing, {runs / clock.Elapsed.TotalSeconds:F0}/s ");
            }
        }
        if (tty)
        {
            progress!.WriteLine();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        return new ExploreResult(plan.Guest, plan.Args, plan.Strategy == ScheduleStrategy.Pct ? "pct" : "random", plan.Depth, steps,
            FaultInjectionNames.Format(plan.Inject), $"{shardIndex + 1}/{shardCount}", firstSeed, seeds, runs, seconds, failures);
    }

    /// <summary>PCT's K, the length in steps the change points are drawn from: a schedule without change
    /// points (the first seed's) measures it.</summary>
    internal static int Calibrate(ExplorePlan plan, byte[] file, ulong firstSeed) =>
        (int)Math.Clamp(RunOne(plan, file, firstSeed, new SchedulePolicy(ScheduleStrategy.Pct, 1)).PctSteps, 1, 1_000_000_000);

    /// <summary>One schedule: a fresh machine, the guest's output discarded; a finding when the oracle
    /// fired or the guest did not exit 0.</summary>
    internal static (string? Finding, long PctSteps) RunOne(ExplorePlan plan, byte[] file, ulong seed, SchedulePolicy policy)
    {
        var machine = new Machine(new MachineOptions { RamSize = 512UL << 20, Inject = plan.Inject });
        if (!GuestCommand.TryAddDevices(machine, plan.Devices, out var nodes, out string? error))
        {
            return (error, 0);
        }
        var kernel = new GuestKernel(machine, new GuestKernelOptions
        {
            Seed = seed,
            Vcpus = plan.Strategy == ScheduleStrategy.Pct ? 1 : plan.Vcpus,
            Schedule = policy,
            Stdout = Stream.Null,
            Stderr = Stream.Null,
        }, nodes);
        if (!kernel.TrySpawn(file, [plan.Guest, .. plan.Args], ["PATH=/bin", "LC_ALL=C"], out _, out error))
        {
            return (error, 0);
        }
        var r = kernel.Run();
        var oracle = machine.Oracle;
        string? finding = null;
        if (oracle.Stale > 0)
        {
            finding = $"oracle: {oracle.Stale} stale DMA accesses; first: {Brief(oracle.StaleAccesses.FirstOrDefault().ToString())}";
        }
        else if (oracle.Violations > 0)
        {
            finding = $"oracle: {oracle.Violations} coherence violations; first: {Brief(oracle.AtcViolations.FirstOrDefault().ToString())}";
        }
        else if (r.Init!.ShellStatus != 0)
        {
            finding = $"guest: {r.Init}";
        }
        return (finding, kernel.PctSteps);
    }

    /// <summary>The first part of a record (its history of commands can be long).</summary>
    private static string Brief(string text)
    {
        int cut = text.IndexOf(" after [", StringComparison.Ordinal);
        return cut > 0 ? text[..cut] : text.Length > 200 ? text[..200] + "…" : text;
    }

    private static string Reproduce(ExplorePlan plan, ulong seed, SchedulePolicy policy)
    {
        var parts = new List<string> { "emulator", "boot", "--guest", Quote(plan.Guest), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--schedule", policy.ToString() };
        if (plan.Strategy == ScheduleStrategy.Random)
        {
            parts.Add("--vcpus");
            parts.Add(plan.Vcpus.ToString(CultureInfo.InvariantCulture));
        }
        if (plan.Devices != 1)
        {
            parts.Add("--devices");
            parts.Add(plan.Devices.ToString(CultureInfo.InvariantCulture));
        }
        foreach (string name in FaultInjectionNames.Format(plan.Inject).Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            parts.Add("--inject");
            parts.Add(name);
        }
        if (plan.Args.Count > 0)
        {
            parts.Add("--");
            parts.AddRange(plan.Args.Select(Quote));
        }
        return string.Join(' ', parts);
    }

    private static string Quote(string s) => s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-:=,".Contains(c)) ? s : "'" + s.Replace("'", "'\\''") + "'";

    /// <summary>Combines shard results of one exploration: the same guest, arguments, strategy, depth,
    /// K, fault injection and seeds, shards K/M of one M, each once. A merge of every shard equals the
    /// unsharded run's failures; a missing shard is named in the result's Shard ("merged 2 of 3").</summary>
    internal static bool TryMerge(IReadOnlyList<ExploreResult> parts, out ExploreResult? merged, out string? error)
    {
        merged = null;
        error = null;
        if (parts.Count == 0)
        {
            error = "no results to merge";
            return false;
        }
        var first = parts[0];
        var seen = new HashSet<int>();
        int count = 0;
        foreach (var p in parts)
        {
            if (p.Guest != first.Guest || !p.Args.SequenceEqual(first.Args) || p.Strategy != first.Strategy || p.Depth != first.Depth ||
                p.Steps != first.Steps || p.Inject != first.Inject || p.FirstSeed != first.FirstSeed || p.Seeds != first.Seeds)
            {
                error = $"shard {p.Shard} is from another exploration ({p.Guest} {p.Strategy} depth {p.Depth} K {p.Steps} inject '{p.Inject}' seeds {p.FirstSeed}+{p.Seeds}) than shard {first.Shard} ({first.Guest} {first.Strategy} depth {first.Depth} K {first.Steps} inject '{first.Inject}' seeds {first.FirstSeed}+{first.Seeds})";
                return false;
            }
            if (!TryParseShard(p.Shard, out int k, out int m))
            {
                error = $"'{p.Shard}' is not a shard K/M (merge the shards' own results, not a merge)";
                return false;
            }
            if (count != 0 && m != count)
            {
                error = $"shard {p.Shard} splits the seeds {m} ways, shard {first.Shard} {count} ways";
                return false;
            }
            count = m;
            if (!seen.Add(k))
            {
                error = $"shard {p.Shard} given twice";
                return false;
            }
        }
        var failures = parts.SelectMany(p => p.Failures).OrderBy(f => f.Seed).ToList();
        merged = first with
        {
            Shard = seen.Count == count ? $"merged {count}" : $"merged {seen.Count} of {count}",
            Runs = parts.Sum(p => p.Runs),
            Seconds = parts.Sum(p => p.Seconds),
            Failures = failures,
        };
        return true;
    }

    private static void Print(ExploreResult r, TextWriter output)
    {
        foreach (var f in r.Failures)
        {
            output.WriteLine($"seed {f.Seed}: {f.Finding}");
            output.WriteLine($"  reproduce: {f.Reproduce}");
        }
        double rate = r.Seconds > 0 ? r.Runs / r.Seconds : 0;
        output.WriteLine($"explore {r.Guest}: {r.Runs} {r.Strategy}{(r.Strategy == "pct" ? $" (depth {r.Depth}, K {r.Steps})" : "")} schedules" +
            $"{(r.Inject.Length > 0 ? $" with {r.Inject}" : "")}, {r.Failures.Count} failing, {rate:F1} schedules/s");
    }
}

/// <summary>What to explore.</summary>
internal sealed record ExplorePlan(string Guest, IReadOnlyList<string> Args, ScheduleStrategy Strategy, int Depth, FaultInjection Inject, int Vcpus, int Devices);

/// <summary>A failing schedule: its seed, what was found, and the command that replays it.</summary>
internal sealed record ExploreFailure(ulong Seed, string Finding, string Reproduce);

/// <summary>An exploration's result (the JSON of <c>explore --json</c>).</summary>
internal sealed record ExploreResult(string Guest, IReadOnlyList<string> Args, string Strategy, int Depth, int Steps, string Inject,
    string Shard, ulong FirstSeed, int Seeds, int Runs, double Seconds, List<ExploreFailure> Failures);

internal static class ExploreJson
{
    /// <summary>A result missing a field, or with null where none is allowed, is a JsonException (a clear error), not a half-read record.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };
}
