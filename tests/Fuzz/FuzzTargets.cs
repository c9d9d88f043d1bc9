using Emulator.Fuzz.Targets;

namespace Emulator.Fuzz;

/// <summary>Every standing fuzz target, by name.</summary>
public static class FuzzTargets
{
    public static readonly string[] Names = ["trace", "strace", "elf", "yaml", "frames"];

    /// <summary>A new instance of the target called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No such target.</exception>
    public static IFuzzTarget Create(string name) => name switch
    {
        "trace" => new TraceTarget(),
        "strace" => new StraceTarget(),
        "elf" => new ElfTarget(),
        "yaml" => new YamlTarget(),
        "frames" => new FramesTarget(),
        _ => throw new ArgumentException($"no fuzz target '{name}'; targets: {string.Join(", ", Names)}", nameof(name)),
    };
}
