namespace Emulator.Cli.Bench;

/// <summary>A measured figure against its target.</summary>
internal readonly record struct BenchResult(string Name, double Value, string Unit, double Target, bool HigherIsBetter, string? Detail)
{
    public bool MeetsTarget => HigherIsBetter ? Value >= Target : Value <= Target;
}
