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

    /// <summary>SIDs the board keeps an ATC for (CAPS maxSids): an ATC_FILL for one more is answered
    /// with ERROR(overrun) and dropped, so memory is bounded however many SIDs a host invents.
    /// 4096 SIDs of the default geometry hold about 50 MiB.</summary>
    public uint MaxSids { get; init; } = 4096;

    /// <summary>Connections a <see cref="SoftBoardServer"/> serves at once (CAPS maxConnections): one more
    /// gets ERROR(overrun) and is closed. Each costs a receive thread and up to
    /// <see cref="MaxPendingBytes"/> + <see cref="MaxUnflushedBytes"/> of buffers.</summary>
    public ushort MaxConnections { get; init; } = 64;

    /// <summary>Input held unhandled per connection (the receive pipe's pause threshold): beyond it the
    /// board stops reading and TCP pushes back.</summary>
    public const uint MaxPendingBytes = 1 << 20;

    /// <summary>Replies buffered before the board flushes mid-read: a read full of ATC_DUMPs cannot make
    /// megabytes of replies at once.</summary>
    public const int MaxUnflushedBytes = 256 << 10;

    /// <summary>A connection with no frame for this long is closed (CAPS idleTimeoutMs); the host's
    /// heartbeats (every 250 ms by default) keep a live one open. Zero: never.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A connection that has not completed HELLO this long after it opened is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A host that does not take the board's replies for this long (a flush blocked on a full
    /// socket) is disconnected: it is not reading, and the board will not buffer for it.</summary>
    public TimeSpan WriteTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The limits these options announce in CAPS.</summary>
    public CapsLimits ToLimits() => new(MaxSids, (uint)Math.Min(uint.MaxValue, (ulong)MaxSids * (ulong)(Geometry.Entries + Geometry.RangedEntries)),
        MaxConnections, MaxPendingBytes, (uint)Math.Min(uint.MaxValue, (ulong)IdleTimeout.TotalMilliseconds));

    /// <summary>The CAPS payload these options announce.</summary>
    public CapsPayload ToCaps() =>
        new(BoardId, Version, (uint)Geometry.Entries, (ushort)Geometry.Ways, MaxBatch, MaxOutstanding, ToLimits());

    /// <exception cref="ArgumentOutOfRangeException">A limit is 0, <see cref="MaxOutstanding"/> exceeds
    /// <see cref="MaxOutstandingLimit"/>, the ways do not fit CAPS's 16 bits, or a timeout is not positive.</exception>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Geometry);
        if (MaxBatch == 0)
            throw new ArgumentOutOfRangeException(nameof(MaxBatch), MaxBatch, "maxBatch must be at least 1");
        if (MaxOutstanding == 0 || MaxOutstanding > MaxOutstandingLimit)
            throw new ArgumentOutOfRangeException(nameof(MaxOutstanding), MaxOutstanding, $"maxOutstanding must be 1..{MaxOutstandingLimit}");
        if (Geometry.Ways > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(Geometry), Geometry.Ways, "CAPS carries the ways in 16 bits");
        if (MaxSids == 0)
            throw new ArgumentOutOfRangeException(nameof(MaxSids), MaxSids, "maxSids must be at least 1");
        if (MaxConnections == 0)
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "maxConnections must be at least 1");
        if (IdleTimeout < TimeSpan.Zero || HandshakeTimeout <= TimeSpan.Zero || WriteTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(IdleTimeout), "timeouts must be positive (the idle timeout may be 0: never)");
    }
}
