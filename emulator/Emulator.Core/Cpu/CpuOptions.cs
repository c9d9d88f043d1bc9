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
}
