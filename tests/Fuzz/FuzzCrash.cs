namespace Emulator.Fuzz;

/// <summary>An input that crashed a target.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Case">The case number within the run (with the seed, it reproduces the input).</param>
/// <param name="Input">The input.</param>
/// <param name="Failure">The exception's type, message and first frames, or the finding.</param>
public sealed record FuzzCrash(string Target, int Seed, long Case, byte[] Input, string Failure)
{
    public override string ToString() => $"{Target} seed {Seed} case {Case} ({Input.Length} bytes): {Failure}";
}
