using System.Diagnostics.CodeAnalysis;

namespace Emulator.Board.Config;

/// <summary>The outcome of <see cref="HwConfigLoader"/>: the configuration when the file is valid,
/// otherwise every error found (in file order).</summary>
public sealed class HwConfigResult
{
    internal HwConfigResult(HwConfig? config, IReadOnlyList<HwConfigError> errors)
    {
        Config = errors.Count == 0 ? config : null;
        Errors = errors;
    }

    /// <summary>Null when <see cref="Success"/> is false: nothing from an invalid file is used.</summary>
    public HwConfig? Config { get; }

    /// <summary>Sorted by line, then column; empty on success.</summary>
    public IReadOnlyList<HwConfigError> Errors { get; }

    /// <summary>True when the file is valid and <see cref="Config"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Config))]
    public bool Success => Errors.Count == 0;
}
