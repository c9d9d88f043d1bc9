using System.Diagnostics;

namespace Emulator.Fuzz;

/// <summary>Runs a target on its seeds, then on mutations of its corpus, for a number of cases or a
/// time, whichever ends first. Deterministic for a seed when bounded by cases.</summary>
public static class FuzzRunner
{
    /// <summary>Inputs kept in the corpus at most (seeds included).</summary>
    public const int MaxCorpus = 2000;

    /// <summary>Crashes recorded per distinct failure (its exception type and first frame).</summary>
    private const int PerFailure = 2;

    /// <summary>Runs <paramref name="target"/>.</summary>
    /// <param name="target">What to fuzz.</param>
    /// <param name="seed">Seeds the mutations; printed in the report.</param>
    /// <param name="maxCases">Cases at most (the seeds count).</param>
    /// <param name="maxTime">Wall time at most.</param>
    public static FuzzReport Run(IFuzzTarget target, int seed, long maxCases, TimeSpan maxTime)
    {
        ArgumentNullException.ThrowIfNull(target);
        // Nearly every case is garbage a parser logs as a guest error: millions of log lines would cost
        // more than the fuzzing. The run's report is its output. (NLog reconfigures every logger on a
        // suspend, so it is done once per run, not per case.)
        using IDisposable quiet = NLog.LogManager.SuspendLogging();
        var rng = new Random(seed);
        var mutator = new Mutator(rng, target.Dictionary);
        var corpus = new List<byte[]>(target.Seeds);
        if (corpus.Count == 0)
        {
            corpus.Add([]);
        }
        var signatures = new HashSet<string>(StringComparer.Ordinal);
        var crashes = new List<FuzzCrash>();
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        TimeSpan slowest = TimeSpan.Zero;
        long cases = 0;
        while (cases < maxCases && clock.Elapsed < maxTime)
        {
            byte[] input = cases < target.Seeds.Count
                ? target.Seeds[(int)cases]
                : mutator.Mutate(corpus[rng.Next(corpus.Count)], corpus[rng.Next(corpus.Count)], target.IsText, target.MaxInputLength);
            long start = Stopwatch.GetTimestamp();
            string? failure = RunOne(target, input, out string signature);
            TimeSpan took = Stopwatch.GetElapsedTime(start);
            if (took > slowest)
            {
                slowest = took;
            }
            if (failure is not null)
            {
                string key = failure.Split('\n', 3) is { Length: > 1 } parts ? parts[0] + parts[1] : failure;
                int seen = failures.GetValueOrDefault(key);
                failures[key] = seen + 1;
                if (seen < PerFailure)
                {
                    crashes.Add(new FuzzCrash(target.Name, seed, cases, input, failure));
                }
            }
            else if (signatures.Add(signature) && corpus.Count < MaxCorpus)
            {
                corpus.Add(input);
            }
            cases++;
        }
        return new FuzzReport(target.Name, seed, cases, clock.Elapsed, signatures.Count, corpus.Count, crashes, slowest);
    }

    /// <summary>Runs one input; null when the target returned, else the failure (exception type,
    /// message and its first frames).</summary>
    public static string? RunOne(IFuzzTarget target, byte[] input, out string signature)
    {
        signature = "";
        try
        {
            signature = target.Run(input);
            return null;
        }
        catch (FuzzFindingException e)
        {
            return "finding: " + e.Message;
        }
        catch (Exception e)
        {
            var frames = (e.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(4).Select(f => f.Trim());
            return $"{e.GetType().FullName}: {e.Message}\n{string.Join("\n", frames)}";
        }
    }
}
