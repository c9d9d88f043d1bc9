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

    /// <summary>Compile hot regions on a background thread while the vCPU keeps interpreting (true),
    /// or on the vCPU's thread when they become hot (false: which code runs translated is then a
    /// function of the guest's execution alone, as tests want). Either way the guest sees the same
    /// run. Default: <see cref="DefaultBackgroundTranslation"/>.</summary>
    public bool BackgroundTranslation { get; init; } = DefaultBackgroundTranslation;

    /// <summary>
    /// The mode of vCPUs whose options do not set one: the process-wide switch, unless
    /// <see cref="UseDefaults"/> set one for the current flow. It starts as the environment variable
    /// <c>EMULATOR_CPU_MODE</c> says (<c>interp</c> or <c>jit</c>; unset: translate);
    /// <c>--cpu-mode</c> sets it.
    /// </summary>
    public static CpuMode DefaultMode
    {
        get => s_scoped.Value?.Mode ?? s_defaultMode;
        set => s_defaultMode = value;
    }

    /// <summary>The threshold of vCPUs whose options do not set one (unless <see cref="UseDefaults"/>
    /// set one for the current flow): the environment variable <c>EMULATOR_JIT_THRESHOLD</c> when set
    /// (1 translates every block head at once, which makes a run exercise the translator
    /// everywhere), else 1000.</summary>
    public static int DefaultTranslationThreshold
    {
        get => s_scoped.Value?.Threshold ?? s_defaultThreshold;
        set => s_defaultThreshold = Math.Max(1, value);
    }

    /// <summary>Whether vCPUs whose options do not say compile in the background: true, unless
    /// <see cref="UseDefaults"/> said otherwise for the current flow.</summary>
    public static bool DefaultBackgroundTranslation => s_scoped.Value?.Background ?? true;

    private static CpuMode s_defaultMode = ParseMode(Environment.GetEnvironmentVariable("EMULATOR_CPU_MODE")) ?? CpuMode.Translate;

    private static int s_defaultThreshold =
        int.TryParse(Environment.GetEnvironmentVariable("EMULATOR_JIT_THRESHOLD"), out int t) && t >= 1 ? t : 1000;

    /// <summary>Defaults set for one logical flow of control (it follows awaits, tasks and the
    /// threads the flow starts), so concurrent runs in one process — test cases, machines — can
    /// each have their own.</summary>
    private static readonly AsyncLocal<Scope?> s_scoped = new();

    /// <summary>
    /// Sets <see cref="DefaultMode"/> and <see cref="DefaultTranslationThreshold"/> for the current
    /// flow of control (and the tasks and threads it starts) until the result is disposed; the
    /// process-wide values are untouched.
    /// </summary>
    /// <param name="mode">The mode of vCPUs created in the flow.</param>
    /// <param name="threshold">Their translation threshold, at least 1.</param>
    /// <param name="background">Whether they compile in the background (<see cref="BackgroundTranslation"/>).</param>
    public static IDisposable UseDefaults(CpuMode mode, int threshold, bool background = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        var scope = new Scope(mode, threshold, background, s_scoped.Value);
        s_scoped.Value = scope;
        return scope;
    }

    private sealed class Scope(CpuMode mode, int threshold, bool background, Scope? outer) : IDisposable
    {
        public bool Background { get; } = background;

        public CpuMode Mode { get; } = mode;

        public int Threshold { get; } = threshold;

        public void Dispose() => s_scoped.Value = outer;
    }

    /// <summary>Parses a mode name: <c>interp</c>/<c>interpret</c> or <c>jit</c>/<c>translate</c>
    /// (case-insensitive); null for anything else.</summary>
    public static CpuMode? ParseMode(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "interp" or "interpret" or "interpreter" => CpuMode.Interpret,
        "jit" or "translate" => CpuMode.Translate,
        _ => null,
    };
}
