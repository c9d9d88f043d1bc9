using System.Globalization;

namespace Emulator.Core.Pcie;

/// <summary>The outcome of one DMA: completed, or stopped at a faulting address.</summary>
/// <remarks>A DMA is performed page by page in address order; the bytes before the faulting page have
/// been transferred (<see cref="BytesCompleted"/>), nothing at or after it.</remarks>
public readonly struct DmaResult : IEquatable<DmaResult>
{
    private DmaResult(DmaFaultReason reason, ulong faultVa, int bytesCompleted)
    {
        Reason = reason;
        FaultVa = faultVa;
        BytesCompleted = bytesCompleted;
    }

    /// <summary><see cref="DmaFaultReason.None"/> for a completed DMA.</summary>
    public DmaFaultReason Reason { get; }

    /// <summary>The first address that could not be accessed (0 when <see cref="IsOk"/>).</summary>
    public ulong FaultVa { get; }

    /// <summary>Bytes transferred.</summary>
    public int BytesCompleted { get; }

    public bool IsOk => Reason == DmaFaultReason.None;

    public static DmaResult Ok(int bytes) => new(DmaFaultReason.None, 0, bytes);

    public static DmaResult Fault(ulong va, DmaFaultReason reason, int bytesCompleted) => new(reason, va, bytesCompleted);

    public bool Equals(DmaResult other) => Reason == other.Reason && FaultVa == other.FaultVa && BytesCompleted == other.BytesCompleted;

    public override bool Equals(object? obj) => obj is DmaResult other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Reason, FaultVa, BytesCompleted);

    public static bool operator ==(DmaResult left, DmaResult right) => left.Equals(right);

    public static bool operator !=(DmaResult left, DmaResult right) => !left.Equals(right);

    public override string ToString() => IsOk
        ? string.Create(CultureInfo.InvariantCulture, $"ok {BytesCompleted} bytes")
        : string.Create(CultureInfo.InvariantCulture, $"fault {Reason} at va 0x{FaultVa:x} after {BytesCompleted} bytes");
}
