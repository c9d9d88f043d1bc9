using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.FirmwareStub;

/// <summary>What the software board is: the identity and limits it announces in CAPS, and the shape of
/// the ATC it models for each SID. Checked by <see cref="SoftBoard"/>'s constructor.</summary>
public sealed record SoftBoardOptions
{
    /// <summary>ASCII "STUB" in the high half, serial 1: easy to spot in a log next to an FPGA's DNA.</summary>
    public const ulong DefaultBoardId = 0x5354_5542_0000_0001;

    /// <summary>ATC_INVs between SYNCs, and ATC_INVs not yet completed: enough for batches of 256+
    /// commands per SYNC with room to spare.</summary>
    public const uint DefaultMaxBatch = 1024;

    /// <inheritdoc cref="DefaultMaxBatch"/>
    public const uint DefaultMaxOutstanding = 1024;

    /// <summary>Largest <see cref="MaxOutstanding"/>: one per 16-bit itag.</summary>
    public const uint MaxOutstandingLimit = 1 << 16;

    public static SoftBoardOptions Default { get; } = new();

    /// <summary>CAPS boardId (on hardware, the serial number or the FPGA's DNA).</summary>
    public ulong BoardId { get; init; } = DefaultBoardId;

    /// <summary>The protocol version the board speaks: sent in CAPS and in every frame header.</summary>
    public ProtocolVersion Version { get; init; } = ProtocolVersion.Current;

    /// <summary>Shape of each SID's ATC; CAPS announces its entries and ways (the ranged array is not on the wire).</summary>
    public AtcGeometry Geometry { get; init; } = AtcGeometry.Default;

    /// <summary>CAPS maxBatch: ATC_INVs accepted between two SYNCs; one more is NAKed with Busy.</summary>
    public uint MaxBatch { get; init; } = DefaultMaxBatch;

    /// <summary>CAPS maxOutstanding: ATC_INVs whose completion has not been sent yet; one more is NAKed
    /// with Busy. 1..<see cref="MaxOutstandingLimit"/>.</summary>
    public uint MaxOutstanding { get; init; } = DefaultMaxOutstanding;

    /// <summary>Refuse a HELLO of another major (ERROR version refused, then close). False answers every
    /// HELLO with CAPS, so that a host's own refusal of the board's version can be tested.</summary>
    public bool CheckHostVersion { get; init; } = true;

    /// <summary>The CAPS payload these options announce.</summary>
    public CapsPayload ToCaps() =>
        new(BoardId, Version, (uint)Geometry.Entries, (ushort)Geometry.Ways, MaxBatch, MaxOutstanding);

    /// <exception cref="ArgumentOutOfRangeException">A limit is 0, <see cref="MaxOutstanding"/> exceeds
    /// <see cref="MaxOutstandingLimit"/>, or the ways do not fit CAPS's 16 bits.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Geometry);
        if (MaxBatch == 0)
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "maxBatch must be at least 1");
        if (MaxOutstanding == 0 || MaxOutstanding > MaxOutstandingLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxOutstanding), MaxOutstanding, $"maxOutstanding must be 1..{MaxOutstandingLimit}");
        if (Geometry.Ways > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Geometry), Geometry.Ways, "CAPS carries the ways in 16 bits");
    }
}
