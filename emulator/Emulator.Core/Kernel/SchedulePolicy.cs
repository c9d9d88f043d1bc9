namespace Emulator.Core.Kernel;

/// <summary>How the scheduler orders the agents — the guest's threads and the devices' engines.</summary>
public enum ScheduleStrategy : byte
{
    /// <summary>Round robin over the vCPUs with seeded quantum lengths, device engines stepping a seeded
    /// number of times after every round (the default: a plausible, reproducible interleaving).</summary>
    Random,

    /// <summary>Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
    /// 2010): one agent runs at a time, always the enabled one with the highest priority; priorities are
    /// a seeded random permutation, and at D − 1 seeded change points the running agent drops below all
    /// others. A bug of depth D is found with probability at least 1/(n·k^(D−1)) per schedule.</summary>
    Pct,
}

/// <summary>A schedule: the strategy, and for PCT its depth and the number of steps the change points
/// are drawn from.</summary>
public sealed record SchedulePolicy(ScheduleStrategy Strategy = ScheduleStrategy.Random, int Depth = 2, int Steps = 20_000)
{
    public static SchedulePolicy Default { get; } = new();

    /// <summary>The form <c>boot --schedule</c> takes: <c>random</c>, or <c>pct:D:K</c>.</summary>
    public override string ToString() =>
        Strategy == ScheduleStrategy.Random ? "random" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"pct:{Depth}:{Steps}");

    /// <summary>Parses <c>random</c>, <c>pct:D</c> or <c>pct:D:K</c> (D from 1 to 16 priority-change depth,
    /// K from 1 to 10^9 the steps the change points are drawn from: about the run's length in steps).</summary>
    public static bool TryParse(string? text, out SchedulePolicy policy, out string? error)
    {
        policy = Default;
        error = null;
        if (string.IsNullOrEmpty(text) || text == "random")
        {
            return true;
        }
        var parts = text.Split(':');
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (parts[0] == "pct" && parts.Length is 2 or 3 &&
            int.TryParse(parts[1], System.Globalization.NumberStyles.None, inv, out int depth) && depth is >= 1 and <= 16)
        {
            int steps = Default.Steps;
            if (parts.Length == 3 && (!int.TryParse(parts[2], System.Globalization.NumberStyles.None, inv, out steps) || steps is < 1 or > 1_000_000_000))
            {
                error = $"'{text}': the step count K must be 1..1000000000";
                return false;
            }
            policy = new SchedulePolicy(ScheduleStrategy.Pct, depth, steps);
            return true;
        }
        error = $"'{text}' is not a schedule: expected random, pct:D or pct:D:K (D from 1 to 16)";
        return false;
    }
}
