namespace Emulator.Fuzz;

/// <summary>What a fuzzing run did.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Seed">The seed (printed with every failure, so the run can be repeated).</param>
/// <param name="Cases">Inputs run.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="Signatures">Distinct paths seen.</param>
/// <param name="CorpusSize">Inputs in the corpus at the end.</param>
/// <param name="Crashes">Inputs that crashed the target (the first few of each distinct failure).</param>
/// <param name="Slowest">The longest single case.</param>
public sealed record FuzzReport(string Target, int Seed, long Cases, TimeSpan Elapsed, int Signatures, int CorpusSize,
    IReadOnlyList<FuzzCrash> Crashes, TimeSpan Slowest)
{
    /// <summary>Cases per second.</summary>
    public double Rate => Cases / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public override string ToString() =>
        $"{Target}: seed {Seed}, {Cases} cases in {Elapsed.TotalSeconds:0.0} s ({Rate:0} /s), {Signatures} paths, corpus {CorpusSize}, slowest case {Slowest.TotalMilliseconds:0} ms, {Crashes.Count} crashes";
}
