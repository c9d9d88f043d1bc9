using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Smmu;

/// <summary>
/// A queue PROD or CONS register value read against its queue's size: index, wrap bit, overflow flag
/// and (for SMMU_CMDQ_CONS) the error code, with the circular-queue arithmetic of Linux
/// <c>arm-smmu-v3.c</c>.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §3.5 (queues), §6.3.28 SMMU_CMDQ_CONS, §6.3.97–§6.3.98 SMMU_PRIQ_PROD/CONS: with
/// QS = LOG2SIZE, bits [QS-1:0] are the index and bit [QS] the wrap flag (Linux <c>Q_IDX</c>,
/// <c>Q_WRP</c>). The queue is empty when index and wrap both match, full when the indexes match and
/// the wraps differ — so a queue of 2^QS entries holds 2^QS commands with no slot wasted.</para>
/// <para>Bit 31 is OVFLG in EVENTQ_PROD and PRIQ_PROD and OVACKFLG in the CONS registers (Linux
/// <c>Q_OVERFLOW_FLAG</c>); bits 30:24 of CMDQ_CONS are ERR (<see cref="CommandError"/>). Bits between
/// the wrap flag and bit 24 are RES0 and ignored.</para>
/// </remarks>
public readonly struct QueuePointer : IEquatable<QueuePointer>
{
    /// <summary>The largest LOG2SIZE any queue may have (IDR1.*QS ≤ 19).</summary>
    public const int MaxLog2Size = 19;

    /// <summary>OVFLG / OVACKFLG, bit 31 (Linux <c>Q_OVERFLOW_FLAG</c>).</summary>
    public const uint OverflowFlag = 1u << 31;

    private const int ErrorShift = 24; // CMDQ_CONS_ERR GENMASK(30, 24)
    private const uint ErrorMask = 0x7Fu << ErrorShift;

    /// <param name="raw">The register value.</param>
    /// <param name="log2Size">The queue's effective LOG2SIZE (see <see cref="QueueBase.EffectiveLog2Size"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="log2Size"/> is not 0..19.</exception>
    public QueuePointer(uint raw, int log2Size)
    {
        if ((uint)log2Size > MaxLog2Size)
        {
            ThrowBadLog2Size(log2Size);
        }
        Raw = raw;
        Log2Size = log2Size;
    }

    public uint Raw { get; }

    public int Log2Size { get; }

    /// <summary>Number of entries in the queue, 2^LOG2SIZE.</summary>
    public uint EntryCount => 1u << Log2Size;

    /// <summary>The index, bits [LOG2SIZE-1:0] (Linux <c>Q_IDX</c>).</summary>
    public uint Index => Raw & (EntryCount - 1);

    /// <summary>The wrap flag, bit [LOG2SIZE] (Linux <c>Q_WRP</c>).</summary>
    public bool Wrap => (Raw & EntryCount) != 0;

    /// <summary>Index and wrap flag together: the position modulo twice the queue size.</summary>
    public uint Position => Raw & ((EntryCount << 1) - 1);

    /// <summary>Bit 31: OVFLG in a PROD register, OVACKFLG in a CONS register.</summary>
    public bool Overflow => (Raw & OverflowFlag) != 0;

    /// <summary>SMMU_CMDQ_CONS.ERR, bits 30:24; meaningful only while GERROR.CMDQ_ERR is active.</summary>
    public CommandError Error => (CommandError)((Raw & ErrorMask) >> ErrorShift);

    /// <summary>The pointer moved on by <paramref name="count"/> entries, wrapping and toggling the wrap
    /// flag as needed; keeps the overflow flag and drops everything else (Linux <c>queue_inc_prod_n</c>).</summary>
    public QueuePointer Advance(uint count = 1) =>
        new((Raw & OverflowFlag) | ((Position + count) & ((EntryCount << 1) - 1)), Log2Size);

    /// <summary>This pointer with CMDQ_CONS.ERR set to <paramref name="error"/>.</summary>
    public QueuePointer WithError(CommandError error) =>
        new((Raw & ~ErrorMask) | (((uint)error << ErrorShift) & ErrorMask), Log2Size);

    /// <summary>This pointer with bit 31 set or cleared.</summary>
    public QueuePointer WithOverflow(bool overflow) =>
        new(overflow ? Raw | OverflowFlag : Raw & ~OverflowFlag, Log2Size);

    /// <summary>True when the queue is empty (Linux <c>queue_empty</c>).</summary>
    public static bool IsEmpty(QueuePointer prod, QueuePointer cons)
    {
        CheckSameQueue(prod, cons);
        return prod.Position == cons.Position;
    }

    /// <summary>True when the queue is full (Linux <c>queue_full</c>).</summary>
    public static bool IsFull(QueuePointer prod, QueuePointer cons)
    {
        CheckSameQueue(prod, cons);
        return prod.Index == cons.Index && prod.Wrap != cons.Wrap;
    }

    /// <summary>Free entries (the <c>space</c> of Linux <c>queue_has_space</c>).</summary>
    public static uint FreeEntries(QueuePointer prod, QueuePointer cons)
    {
        CheckSameQueue(prod, cons);
        return prod.Wrap == cons.Wrap
            ? prod.EntryCount - (prod.Index - cons.Index)
            : cons.Index - prod.Index;
    }

    /// <summary>Entries produced and not yet consumed.</summary>
    public static uint UsedEntries(QueuePointer prod, QueuePointer cons) => prod.EntryCount - FreeEntries(prod, cons);

    /// <summary>True when <paramref name="count"/> more entries fit (Linux <c>queue_has_space</c>).</summary>
    public static bool HasSpace(QueuePointer prod, QueuePointer cons, uint count) => FreeEntries(prod, cons) >= count;

    /// <summary>True when the entry at <paramref name="position"/> has been consumed by
    /// <paramref name="cons"/> (Linux <c>queue_consumed</c>): how a CMD_SYNC waiter knows it is done.</summary>
    public static bool IsConsumed(QueuePointer cons, QueuePointer position)
    {
        CheckSameQueue(cons, position);
        return cons.Wrap == position.Wrap ? cons.Index > position.Index : cons.Index <= position.Index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckSameQueue(QueuePointer a, QueuePointer b)
    {
        if (a.Log2Size != b.Log2Size)
        {
            ThrowDifferentQueues(a, b);
        }
    }

    [DoesNotReturn]
    private static void ThrowBadLog2Size(int log2Size) =>
        throw new ArgumentOutOfRangeException(nameof(log2Size), log2Size, "must be 0..19");

    // Out of line so that the check inlines into the pointer arithmetic of every queue poll.
    [DoesNotReturn]
    private static void ThrowDifferentQueues(QueuePointer a, QueuePointer b) =>
        throw new ArgumentException($"pointers of different queues (log2 sizes {a.Log2Size} and {b.Log2Size})");

    public bool Equals(QueuePointer other) => Raw == other.Raw && Log2Size == other.Log2Size;
    public override bool Equals(object? obj) => obj is QueuePointer o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Raw, Log2Size);
    public override string ToString() => $"{Index}{(Wrap ? "w" : "")}{(Overflow ? " ovf" : "")}/{EntryCount}";
}
