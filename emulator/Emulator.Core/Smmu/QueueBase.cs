using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>SMMU_CMDQ_BASE, SMMU_EVENTQ_BASE or SMMU_PRIQ_BASE: where a queue lives and how many entries it has.</summary>
/// <remarks>
/// SMMUv3 §6.3.26 SMMU_CMDQ_BASE, §6.3.29 SMMU_EVENTQ_BASE, SMMU_PRIQ_BASE; Linux <c>Q_BASE_*</c>:
/// LOG2SIZE 4:0, ADDR 51:5 (the spec's field is 55:5, bits above the 52-bit OAS RES0), RA/WA 62
/// (read-allocate for the command queue, write-allocate for the others; Linux <c>Q_BASE_RWA</c>).
/// A LOG2SIZE above the IDR1 maximum is capped to it, and the base is aligned down to the larger of
/// the queue size and 32 bytes: a misprogrammed base is not an error, it silently moves the queue
/// (<see cref="EffectiveAddress"/>).
/// </remarks>
public readonly struct QueueBase : IEquatable<QueueBase>
{
    /// <summary>ADDR, bits 51:5 (Linux <c>Q_BASE_ADDR_MASK</c>).</summary>
    public const ulong AddressMask = 0x000F_FFFF_FFFF_FFE0UL;

    /// <summary>RA (CMDQ) / WA (EVENTQ, PRIQ), bit 62 (Linux <c>Q_BASE_RWA</c>).</summary>
    public const ulong AllocateHint = 1UL << 62;

    public QueueBase(ulong raw) => Raw = raw;

    public ulong Raw { get; }

    /// <summary>LOG2SIZE, bits 4:0, as written (may exceed the implemented maximum).</summary>
    public int Log2Size => (int)Get(Raw, 4, 0);

    /// <summary>ADDR, bits 51:5, as written.</summary>
    public ulong Address => Raw & AddressMask;

    /// <summary>RA/WA, bit 62.</summary>
    public bool Allocate => (Raw & AllocateHint) != 0;

    /// <summary>LOG2SIZE capped to the implemented maximum (IDR1.CMDQS, EVENTQS or PRIQS).</summary>
    public int EffectiveLog2Size(int maxLog2Size) => Math.Min(Log2Size, maxLog2Size);

    /// <summary>The base the SMMU uses: ADDR aligned down to max(queue bytes, 32).</summary>
    /// <param name="entrySize">Bytes per entry: 16 (commands, PRI requests) or 32 (events).</param>
    /// <param name="maxLog2Size">The IDR1 maximum for this queue.</param>
    public ulong EffectiveAddress(int entrySize, int maxLog2Size)
    {
        ulong bytes = Math.Max((ulong)entrySize << EffectiveLog2Size(maxLog2Size), 32);
        return Address & ~(bytes - 1);
    }

    /// <summary>Builds the register value.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="log2Size"/> is not 0..19.</exception>
    public static QueueBase Create(ulong address, int log2Size, bool allocate = false)
    {
        if ((uint)log2Size > 19)
        {
            throw new ArgumentOutOfRangeException(nameof(log2Size), log2Size, "must be 0..19");
        }
        return new((address & AddressMask) | (uint)log2Size | (allocate ? AllocateHint : 0));
    }

    public bool Equals(QueueBase other) => Raw == other.Raw;
    public override bool Equals(object? obj) => obj is QueueBase o && Equals(o);
    public override int GetHashCode() => Raw.GetHashCode();
    public override string ToString() => $"QBASE[addr={Address:x} log2size={Log2Size}{(Allocate ? " rwa" : "")}]";
}
