namespace Emulator.Core.Iommu;

/// <summary>How the kernel-side SMMU driver lays out its queues and tables and how it batches.</summary>
/// <remarks>
/// <para>Every queue and table level is one 4 KiB frame, because <see cref="Memory.FrameAllocator"/>
/// hands out single frames (Linux uses <c>dmam_alloc_coherent</c> for larger contiguous ones). That
/// fixes the defaults: 256 commands, 128 events, 256 PRI entries; a 2-level stream table with SPLIT 6
/// (64 STEs per level-2 frame) and at most 512 L1STDs, so StreamIDs up to 15 bits — Linux likewise
/// shrinks the covered SID range when it caps its L1 table (<c>STRTAB_MAX_L1_ENTRIES</c>); and CD
/// tables that are linear up to 64 CDs, else 2-level with 64-CD (4 KiB) leaves and one L1 frame, so
/// SubstreamIDs up to 15 bits (Linux uses 1024-CD 64 KiB leaves).</para>
/// </remarks>
public sealed record SmmuDriverOptions
{
    /// <summary>Bytes in one frame: every queue and table level fits in one.</summary>
    public const int FrameSize = 4096;

    /// <summary>log2 of command-queue entries (≤ 8: one frame; capped to IDR1.CMDQS).</summary>
    public int CmdqLog2Size { get; init; } = 8;

    /// <summary>log2 of event-queue entries (≤ 7: one frame; capped to IDR1.EVENTQS).</summary>
    public int EventqLog2Size { get; init; } = 7;

    /// <summary>log2 of PRI-queue entries (≤ 8: one frame; capped to IDR1.PRIQS).</summary>
    public int PriqLog2Size { get; init; } = 8;

    /// <summary>STRTAB_BASE_CFG.SPLIT: StreamID bits resolved by a level-2 array. 6 = 64 STEs = one frame.</summary>
    public int StrtabSplit { get; init; } = 6;

    /// <summary>log2 of the L1STD count (≤ 9: one frame). StreamIDs covered: SPLIT + this, capped to IDR1.SIDSIZE.</summary>
    public int StrtabL1Log2Entries { get; init; } = 9;

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
