using Emulator.Core.Memory;

namespace Emulator.Core.Cpu;

/// <summary>Configuration of one vCPU.</summary>
public sealed record CpuOptions
{
    /// <summary>
    /// The machine's frame allocator. Decoded instructions are cached per physical page and checked
    /// against the frame's <see cref="FrameAllocator.Generation"/>, so code in a frame that was freed
    /// and reused is never executed from the cache. Without it the decoded-instruction cache is off
    /// and every instruction is decoded from memory (correct, several times slower).
    /// </summary>
    public FrameAllocator? Frames { get; init; }

    /// <summary>Value of CPUID.1:EAX (<see cref="CpuFeatures.DefaultSignature"/>: family 19h, model 11h).</summary>
    public uint CpuidSignature { get; init; } = CpuFeatures.DefaultSignature;

    /// <summary>A decoded-instruction cache shared with other vCPUs stepped on the same host thread
    /// (so a store by one drops the code for all); null for a private one. Must cover the same memory.</summary>
    public CodeCache? CodeCache { get; init; }

    /// <summary>The micro-architecture level: what CPUID reports and which instructions execute.
    /// Default: the highest implemented.</summary>
    public CpuLevel Level { get; init; } = CpuLevel.V3;

    /// <summary>Interpreter only, or tiered translation of hot code (which needs <see cref="Frames"/>
    /// for the code cache; without it the vCPU interprets). Default: <see cref="DefaultMode"/>.</summary>
    public CpuMode Mode { get; init; } = DefaultMode;

    /// <summary>How many times execution must arrive at a block head (a branch target, a return
    /// address) before the code from there is translated. Default: <see cref="DefaultTranslationThreshold"/>.</summary>
    public int TranslationThreshold { get; init; } = DefaultTranslationThreshold;

    /// <summary>
    /// The mode of vCPUs whose options do not set one: the process-wide switch. It starts as the
    /// environment variable <c>EMULATOR_CPU_MODE</c> says (<c>interp</c> or <c>jit</c>; unset:
    /// translate), so a whole test run can be repeated in interpreter mode; <c>--cpu-mode</c> sets it.
    /// </summary>
    public static CpuMode DefaultMode { get; set; } = ParseMode(Environment.GetEnvironmentVariable("EMULATOR_CPU_MODE")) ?? CpuMode.Translate;

    /// <summary>The threshold of vCPUs whose options do not set one: the environment variable
    /// <c>EMULATOR_JIT_THRESHOLD</c> when set (1 translates every block head at once, which makes a
    /// test run exercise the translator everywhere), else 200.</summary>
    public static int DefaultTranslationThreshold { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_JIT_THRESHOLD"), out int t) && t >= 1 ? t : 200;

    /// <summary>Parses a mode name: <c>interp</c>/<c>interpret</c> or <c>jit</c>/<c>translate</c>
    /// (case-insensitive); null for anything else.</summary>
    public static CpuMode? ParseMode(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "interp" or "interpret" or "interpreter" => CpuMode.Interpret,
        "jit" or "translate" => CpuMode.Translate,
        _ => null,
    };
}
