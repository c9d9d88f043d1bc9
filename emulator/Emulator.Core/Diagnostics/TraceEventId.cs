namespace Emulator.Core.Diagnostics;

/// <summary>
/// The trace points, one per layer boundary of the data flow (CPU/MMU → mm + notifiers → SMMU →
/// ATS/ATC → backend). Names and arguments are in <see cref="TraceEventCatalog"/>; the numbering is
/// internal (bit positions of a mask), the names are the contract (<c>--trace PATTERN</c>).
/// </summary>
public enum TraceEventId : byte
{
    /// <summary>Page-table entries of an mm changed (unmapped, protected, COW-broken). A0 start, A1 end, A2 pages, A3 kind.</summary>
    PteChange,

    /// <summary>A notifier subscriber's invalidate_range_start. A0 start, A1 end, A2 event; subject the subscriber.</summary>
    NotifierStart,

    /// <summary>A subscriber's arch_invalidate_secondary_tlbs. A0 start, A1 end; subject the subscriber.</summary>
    NotifierSecondary,

    /// <summary>A subscriber's invalidate_range_end. A0 start, A1 end, A2 event; subject the subscriber.</summary>
    NotifierEnd,

    /// <summary>The SMMU consumed a command. A0 word 0, A1 word 1.</summary>
    SmmuCmd,

    /// <summary>A CMD_SYNC began waiting for outstanding ATC invalidations. A0 1 when any were outstanding.</summary>
    SmmuCmdSync,

    /// <summary>The CMD_SYNC finished. A0 0 complete, 1 timed out (CERROR_ATC_INV_SYNC).</summary>
    SmmuCmdSyncDone,

    /// <summary>A device inserted a translation in its ATC. A0 sid, A1 pasid, A2 va, A3 pa | sizeLog2 (low 6 bits).</summary>
    AtcFill,

    /// <summary>A device received an ATS Invalidate Request. A0 sid, A1 pasid, A2 address, A3 sizeLog2 | global (bit 8).</summary>
    AtcInv,

    /// <summary>The device completed it. A0 sid, A1 entries removed.</summary>
    AtcInvComplete,

    /// <summary>A device sent a PRI Page Request. A0 sid, A1 pasid, A2 va, A3 group.</summary>
    PriRequest,

    /// <summary>The Page Request was answered. A0 sid, A1 pasid, A2 va, A3 result.</summary>
    PriResponse,

    /// <summary>An ATC_INV went to the board. A0 sid, A1 pasid, A2 address, A3 sizeLog2.</summary>
    BoardAtcInv,

    /// <summary>A SYNC went to the board.</summary>
    BoardSync,

    /// <summary>The board answered the SYNC (or did not). A0 0 complete, 1 timed out.</summary>
    BoardSyncDone,

    /// <summary>A wire frame went to the board. A0 message type, A1 sequence number, A2 payload bytes.</summary>
    BoardFrameTx,

    /// <summary>A wire frame came from the board. A0 message type, A1 sequence number, A2 payload bytes.</summary>
    BoardFrameRx,
}
