using Emulator.Core.Paging;

namespace Emulator.Core.Smmu;

/// <summary>How to build an <see cref="SmmuDevice"/>: where its registers live, what its ID registers
/// advertise and how large its caches are.</summary>
/// <remarks>Queue sizes are the IDR1 maxima (log2 of entries, at most 19); the driver picks the actual
/// sizes in the queue BASE registers. SMMUv3 §6.3.1 SMMU_IDR0, §6.3.2 SMMU_IDR1.</remarks>
public sealed record SmmuOptions
{
    /// <summary>Physical address of register page 0; the window is <see cref="SmmuRegisters.WindowSize"/>
    /// bytes and must lie above RAM. The default, 64 GiB, is above the largest RAM.</summary>
    public ulong MmioBase { get; init; } = 64UL << 30;

    /// <summary>IDR1.SIDSIZE: implemented StreamID bits (1..32).</summary>
    public int SidBits { get; init; } = 16;

    /// <summary>IDR1.SSIDSIZE: implemented SubstreamID (PASID) bits (0..20).</summary>
    public int SsidBits { get; init; } = 20;

    /// <summary>IDR1.CMDQS.</summary>
    public int CmdqMaxLog2Size { get; init; } = 10;

    /// <summary>IDR1.EVENTQS.</summary>
    public int EventqMaxLog2Size { get; init; } = 10;

    /// <summary>IDR1.PRIQS.</summary>
    public int PriqMaxLog2Size { get; init; } = 10;

    /// <summary>IOTLB capacity in entries (any page size); oldest entries are evicted first.</summary>
    public int IotlbEntries { get; init; } = 512;

    /// <summary>Configuration cache capacity: decoded STEs plus decoded CDs.</summary>
    public int ConfigCacheEntries { get; init; } = 1024;

    /// <summary>IDR0.ATS: ATS Translation Requests and CMD_ATC_INV.</summary>
    public bool AtsSupported { get; init; } = true;

    /// <summary>IDR0.PRI: the PRI queue and CMD_PRI_RESP.</summary>
    public bool PriSupported { get; init; } = true;

    /// <summary>How long a CMD_SYNC waits for outstanding ATC invalidations before CERROR_ATC_INV_SYNC.</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Paging mode of the CPU tables the SVA walker walks (CD.TTB0 holds their root).</summary>
    public PagingMode SvaPaging { get; init; } = PagingMode.FourLevel;

    /// <summary>Control bits the SVA walker applies (NX, MAXPHYADDR); Linux's user-process set by default.</summary>
    public WalkOptions SvaWalk { get; init; } = WalkOptions.Default;

    /// <summary>IDR5.OAS in bits: 48 covers the default x86 MAXPHYADDR of 46.</summary>
    public int OasBits { get; init; } = 48;
}
