namespace Emulator.Core.Iommu;

/// <summary>How the kernel-side SMMU driver lays out its queues and tables and how it batches.</summary>
/// <remarks>
/// <para>Queues and tables are physically contiguous and aligned to their size
/// (<see cref="Memory.FrameAllocator.TryAllocateContiguous"/>, Linux <c>dmam_alloc_coherent</c>), so a
/// queue may be as large as IDR1 allows. Defaults: 256 commands, 128 events, 256 PRI entries (one frame
/// each); a 2-level stream table with SPLIT 6 (64 STEs, one frame, per level-2 array) and an L1 table of
/// up to 2^17 L1STDs, which covers the SMMU's SIDSIZE up to 23 bits (all 16 of the default model) —
/// Linux likewise shrinks the covered SID range when it caps its L1 table (<c>STRTAB_MAX_L1_ENTRIES</c>);
/// CD tables as Linux lays them out: linear up to 1024 CDs, else 2-level with 1024-CD (64 KiB) leaves,
/// so SubstreamIDs up to 20 bits.</para>
/// </remarks>
public sealed record SmmuDriverOptions
{
    /// <summary>Bytes in one frame.</summary>
    public const int FrameSize = 4096;

    /// <summary>The largest queue LOG2SIZE the architecture allows (IDR1.CMDQS/EVENTQS/PRIQS ≤ 19, §6.3.2).</summary>
    public const int MaxQueueLog2Size = 19;

    /// <summary>The largest <see cref="StrtabL1Log2Entries"/>: a 1 MiB L1 table (Linux <c>STRTAB_MAX_L1_ENTRIES</c> = 2^17).</summary>
    public const int MaxStrtabL1Log2Entries = 17;

    /// <summary>log2 of command-queue entries (1..19; capped to IDR1.CMDQS). 8 = one frame.</summary>
    public int CmdqLog2Size { get; init; } = 8;

    /// <summary>log2 of event-queue entries (1..19; capped to IDR1.EVENTQS). 7 = one frame.</summary>
    public int EventqLog2Size { get; init; } = 7;

    /// <summary>log2 of PRI-queue entries (1..19; capped to IDR1.PRIQS). 8 = one frame.</summary>
    public int PriqLog2Size { get; init; } = 8;

    /// <summary>STRTAB_BASE_CFG.SPLIT: StreamID bits resolved by a level-2 array. 6 = 64 STEs = one frame.</summary>
    public int StrtabSplit { get; init; } = 6;

    /// <summary>Upper bound on log2 of the L1STD count (0..17). StreamIDs covered: SPLIT + this, capped to
    /// IDR1.SIDSIZE; the L1 table has exactly as many L1STDs as the covered SIDs need.</summary>
    public int StrtabL1Log2Entries { get; init; } = MaxStrtabL1Log2Entries;

    /// <summary>Commands per batch before the batch is submitted (Linux <c>CMDQ_BATCH_ENTRIES</c> = 64).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>From this many pages an invalidation is ASID-wide: one CMD_TLBI_NH_ASID and ATC_INV
    /// SIZE 52 (Linux <c>CMDQ_MAX_TLBI_OPS</c> = 1 &lt;&lt; (PAGE_SHIFT - 3) = 512).</summary>
    public int MaxTlbiOps { get; init; } = 512;

    /// <summary>How long the driver waits for a CMD_SYNC (or queue space) before it gives up with ETIMEDOUT
    /// (Linux <c>ARM_SMMU_POLL_TIMEOUT_US</c> is 1 s).</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times one wait acknowledges a CERROR_ATC_INV_SYNC or CERROR_ABT and lets the
    /// SMMU retry before it leaves the queue stopped and reports the error (Linux retries until its
    /// poll times out; the model's retries are immediate, so they are counted instead).</summary>
    public int MaxErrorRetries { get; init; } = 2;

    /// <summary>Insert a CMD_SYNC between the IOTLB and the ATC invalidations, as Linux does (it submits
    /// them as two batches so the TLBI completes before the ATC is invalidated, §3.9.1). Off by default:
    /// this model consumes commands strictly in order, so one closing CMD_SYNC is equivalent, and the
    /// issue's 1 GiB benchmark counts ≤ 4 commands either way.</summary>
    public bool SyncBetweenTlbiAndAtc { get; init; }

    /// <summary>Recently issued commands remembered for <see cref="SmmuDriver.RecentCommands"/>.</summary>
    public int CommandHistory { get; init; } = 256;
}
