namespace Emulator.Core.Smmu;

/// <summary>Offsets of the SMMU registers this model implements, from the base of the MMIO window.</summary>
/// <remarks>
/// <para>SMMUv3 §6.2 (register map) and §6.3 (register formats). Page 0 holds everything but the Event
/// and PRI queue PROD/CONS pairs, which live in page 1 at 0x10000 + the page-0 offset (SMMU_EVENTQ_PROD,
/// SMMU_EVENTQ_CONS, §6.3.97 SMMU_PRIQ_PROD, §6.3.98 SMMU_PRIQ_CONS). Linux writes those four as 0xa8/0xac/0xc8/0xcc
/// (<c>ARM_SMMU_EVTQ_PROD</c> …) relative to <c>arm_smmu_page1()</c> = base + 64 KiB; the absolute
/// offsets are the same.</para>
/// <para>The window is two 64 KiB pages (<see cref="WindowSize"/>). Field layouts are the typed views
/// <see cref="Idr0"/>, <see cref="Idr1"/>, <see cref="Idr5"/>, <see cref="Cr0"/>, <see cref="GError"/>,
/// <see cref="StrtabBase"/>, <see cref="StrtabBaseCfg"/>, <see cref="QueueBase"/> and <see cref="QueuePointer"/>.</para>
/// </remarks>
public static class SmmuRegisters
{
    /// <summary>Size of one register page.</summary>
    public const int PageSize = 0x10000;

    /// <summary>Page 0 and page 1.</summary>
    public const int WindowSize = 2 * PageSize;

    public const int Idr0 = 0x00;
    public const int Idr1 = 0x04;
    public const int Idr2 = 0x08;
    public const int Idr3 = 0x0C;
    public const int Idr4 = 0x10;
    public const int Idr5 = 0x14;
    public const int Iidr = 0x18;
    public const int Aidr = 0x1C;
    public const int Cr0 = 0x20;
    public const int Cr0Ack = 0x24;
    public const int Cr1 = 0x28;
    public const int Cr2 = 0x2C;
    public const int Statusr = 0x40;
    public const int Gbpa = 0x44;
    public const int Agbpa = 0x48;
    public const int IrqCtrl = 0x50;
    public const int IrqCtrlAck = 0x54;
    public const int GError = 0x60;
    public const int GErrorN = 0x64;
    public const int GErrorIrqCfg0 = 0x68;
    public const int GErrorIrqCfg1 = 0x70;
    public const int GErrorIrqCfg2 = 0x74;
    public const int StrtabBase = 0x80;
    public const int StrtabBaseCfg = 0x88;
    public const int CmdqBase = 0x90;
    public const int CmdqProd = 0x98;
    public const int CmdqCons = 0x9C;
    public const int EventqBase = 0xA0;
    public const int EventqIrqCfg0 = 0xB0;
    public const int EventqIrqCfg1 = 0xB8;
    public const int EventqIrqCfg2 = 0xBC;
    public const int PriqBase = 0xC0;
    public const int PriqIrqCfg0 = 0xD0;
    public const int PriqIrqCfg1 = 0xD8;
    public const int PriqIrqCfg2 = 0xDC;

    /// <summary>SMMU_EVENTQ_PROD, page 1 (Linux: page1 + <c>ARM_SMMU_EVTQ_PROD</c> 0xa8).</summary>
    public const int EventqProd = PageSize + 0xA8;

    /// <summary>SMMU_EVENTQ_CONS, page 1 (Linux: page1 + 0xac).</summary>
    public const int EventqCons = PageSize + 0xAC;

    /// <summary>SMMU_PRIQ_PROD, page 1 (Linux: page1 + 0xc8).</summary>
    public const int PriqProd = PageSize + 0xC8;

    /// <summary>SMMU_PRIQ_CONS, page 1 (Linux: page1 + 0xcc).</summary>
    public const int PriqCons = PageSize + 0xCC;

    /// <summary>GBPA.UPDATE, bit 31: software sets it with a new value; the SMMU clears it when applied.</summary>
    public const uint GbpaUpdate = 1u << 31;

    /// <summary>GBPA.ABORT, bit 20: abort all incoming transactions while SMMUEN is 0.</summary>
    public const uint GbpaAbort = 1u << 20;

    /// <summary>IRQ_CTRL.GERROR_IRQEN, bit 0.</summary>
    public const uint IrqCtrlGErrorIrqEn = 1u << 0;

    /// <summary>IRQ_CTRL.PRIQ_IRQEN, bit 1.</summary>
    public const uint IrqCtrlPriqIrqEn = 1u << 1;

    /// <summary>IRQ_CTRL.EVENTQ_IRQEN, bit 2.</summary>
    public const uint IrqCtrlEventqIrqEn = 1u << 2;

    /// <summary>CR2.E2H, bit 0.</summary>
    public const uint Cr2E2H = 1u << 0;

    /// <summary>CR2.RECINVSID, bit 1: record C_BAD_STREAMID for out-of-range StreamIDs.</summary>
    public const uint Cr2RecInvSid = 1u << 1;

    /// <summary>CR2.PTM, bit 2: private TLB maintenance (broadcast TLBI ignored).</summary>
    public const uint Cr2Ptm = 1u << 2;
}
