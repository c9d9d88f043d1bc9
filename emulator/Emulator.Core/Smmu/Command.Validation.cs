using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>Command legality: what the command queue checks before executing an entry, and the reason it
/// reports as CERROR_ILL when the check fails.</summary>
public readonly partial struct Command
{
    private const ulong OpMask = 0xFFUL;                       // CMDQ_0_OP 7:0
    private const ulong SsecMask = 1UL << SsecBit;             // 10
    private const ulong SsvMask = 1UL << SsvBit;               // CMDQ_0_SSV 11
    private const ulong SsidMask = 0x0000_0000_FFFF_F000UL;    // CMDQ_*_0_SSID 31:12
    private const ulong SidMask = 0xFFFF_FFFF_0000_0000UL;     // CMDQ_*_0_SID 63:32
    private const ulong VmidMask = 0x0000_FFFF_0000_0000UL;    // CMDQ_TLBI_0_VMID 47:32
    private const ulong AsidMask = 0xFFFF_0000_0000_0000UL;    // CMDQ_TLBI_0_ASID 63:48
    private const ulong NumScaleMask = 0x0000_0000_01F1_F000UL; // CMDQ_TLBI_0_NUM 16:12 | CMDQ_TLBI_0_SCALE 24:20
    private const ulong Bits13To12 = 0x3000UL;                 // SYNC CS, RESUME RESP, PRI_1 RESP
    private const ulong SyncAttrMask = 0x0FC0_0000UL;          // CMDQ_SYNC_0_MSH 23:22 | CMDQ_SYNC_0_MSIATTR 27:24
    private const ulong TlbiWord1Mask = VaMask | 0xF01UL;      // VA 63:12 | TG 11:10 | TTL 9:8 | LEAF 0

    /// <summary>
    /// Checks the command's own encoding: a known opcode, no bit set outside the fields the command
    /// defines, and no Reserved or ILLEGAL field value. Independent of the SMMU's ID registers; the
    /// command queue calls <see cref="Validate(Idr0)"/>, which adds the feature checks.
    /// </summary>
    /// <returns><see cref="IllegalCommandReason.None"/> for a legal command.</returns>
    /// <remarks>
    /// SMMUv3 §4.1.3, §4.1.5. Choices where the architecture allows either behaviour: non-zero reserved
    /// fields are detected (§4.1.5); CMD_ATC_INV Size above 52 is ILLEGAL (§4.5.1). A CMD_ATC_INV
    /// Address that is not aligned to its span is <em>legal</em>: the SMMU aligns it
    /// (<see cref="AtcEffectiveAddress"/>). Range TLBI fields (TG, TTL, NUM, SCALE) are accepted as an
    /// SMMUv3.2 with IDR3.RIL and IDR5.DS 0 would accept them.
    /// </remarks>
    public IllegalCommandReason Validate()
    {
        ulong defined0, defined1;
        bool hasSsec = false;
        switch (Opcode)
        {
            case CommandOpcode.PrefetchConfig:
                (defined0, defined1, hasSsec) = (SsvMask | SsidMask | SidMask, 0, true);
                break;
            case CommandOpcode.CfgiSte:
                (defined0, defined1, hasSsec) = (SidMask, 1UL << LeafBit, true);
                break;
            case CommandOpcode.CfgiSteRange:
                (defined0, defined1, hasSsec) = (SidMask, 0x1F, true);
                break;
            case CommandOpcode.CfgiCd:
                (defined0, defined1, hasSsec) = (SsidMask | SidMask, 1UL << LeafBit, true);
                break;
            case CommandOpcode.CfgiCdAll:
                (defined0, defined1, hasSsec) = (SidMask, 0, true);
                break;
            case CommandOpcode.TlbiNhAll:
            case CommandOpcode.TlbiS12Vmall:
                (defined0, defined1) = (VmidMask, 0);
                break;
            case CommandOpcode.TlbiNhAsid:
                (defined0, defined1) = (VmidMask | AsidMask, 0);
                break;
            case CommandOpcode.TlbiNhVa:
                (defined0, defined1) = (NumScaleMask | VmidMask | AsidMask, TlbiWord1Mask);
                break;
            case CommandOpcode.TlbiNhVaa:
                (defined0, defined1) = (NumScaleMask | VmidMask, TlbiWord1Mask);
                break;
            case CommandOpcode.TlbiEl2All:
            case CommandOpcode.TlbiNsnhAll:
                (defined0, defined1) = (0, 0);
                break;
            case CommandOpcode.AtcInv:
                (defined0, defined1) = ((1UL << AtcGlobalBit) | SsvMask | SsidMask | SidMask, VaMask | 0x3F);
                break;
            case CommandOpcode.PriResp:
                (defined0, defined1) = (SsvMask | SsidMask | SidMask, Bits13To12 | 0x1FF);
                break;
            case CommandOpcode.Resume:
                (defined0, defined1, hasSsec) = (Bits13To12 | SidMask, 0xFFFF, true);
                break;
            case CommandOpcode.Sync:
                (defined0, defined1) = (Bits13To12 | SyncAttrMask | SidMask, MsiAddrMask);
                break;
            default:
                return IllegalCommandReason.UnknownOpcode;
        }

        if (hasSsec && SecureStream)
        {
            return IllegalCommandReason.SecureStreamOnNonSecureQueue;
        }
        if ((Word0 & ~(defined0 | OpMask)) != 0 || (Word1 & ~defined1) != 0)
        {
            return IllegalCommandReason.ReservedFieldSet;
        }

        switch (Opcode)
        {
            case CommandOpcode.AtcInv when AtcSize > AtcInvSizeAll:
                return IllegalCommandReason.AtcInvSizeTooLarge;
            case CommandOpcode.PriResp when (byte)PriResponse > (byte)PriResponse.Success:
                return IllegalCommandReason.PriResponseReserved;
            case CommandOpcode.Sync when (byte)SyncCompletion > (byte)SyncCs.Sev:
                return IllegalCommandReason.SyncCsReserved;
            case CommandOpcode.TlbiNhVa:
            case CommandOpcode.TlbiNhVaa:
                return ValidateTlbiRange();
            default:
                return IllegalCommandReason.None;
        }
    }

    /// <summary>
    /// <see cref="Validate()"/>, then the checks that depend on what the SMMU implements: commands for
    /// absent features are ILLEGAL rather than IGNORED.
    /// </summary>
    /// <remarks>SMMUv3 §4.3.3–§4.3.4 and §4.4.2 (stage 1), §4.4.3.2 (stage 2), §4.4.2.7 (Hyp), §4.5.1
    /// (ATS), §4.5.2 (PRI), §4.7.1 (Stall model).</remarks>
    public IllegalCommandReason Validate(Idr0 idr0)
    {
        IllegalCommandReason reason = Validate();
        if (reason != IllegalCommandReason.None)
        {
            return reason;
        }
        return Opcode switch
        {
            CommandOpcode.AtcInv when !idr0.Ats => IllegalCommandReason.AtsNotImplemented,
            CommandOpcode.PriResp when !idr0.Pri => IllegalCommandReason.PriNotImplemented,
            CommandOpcode.Resume when idr0.StallModel == Idr0.StallModelTerminateOnly => IllegalCommandReason.StallNotImplemented,
            CommandOpcode.CfgiCd or CommandOpcode.CfgiCdAll or CommandOpcode.TlbiNhAll or CommandOpcode.TlbiNhAsid
                or CommandOpcode.TlbiNhVa or CommandOpcode.TlbiNhVaa when !idr0.Stage1 => IllegalCommandReason.Stage1NotImplemented,
            CommandOpcode.TlbiS12Vmall when !idr0.Stage2 => IllegalCommandReason.Stage2NotImplemented,
            CommandOpcode.TlbiEl2All when !idr0.Hyp => IllegalCommandReason.HypNotImplemented,
            _ => IllegalCommandReason.None,
        };
    }

    /// <summary>§4.4.1.1: with TG 0 the range fields are RES0; with TG non-zero, NUM = SCALE = TTL = 0 is
    /// Reserved, and TTL 0b01 with the 16KB granule is Reserved without IDR5.DS.</summary>
    private IllegalCommandReason ValidateTlbiRange()
    {
        bool rangeFieldsZero = TlbiNum == 0 && TlbiScale == 0 && TlbiTtl == 0;
        if (TlbiTg == 0)
        {
            return rangeFieldsZero ? IllegalCommandReason.None : IllegalCommandReason.ReservedFieldSet;
        }
        if (rangeFieldsZero)
        {
            return IllegalCommandReason.TlbiRangeReserved;
        }
        return TlbiTg == 2 && TlbiTtl == 1 ? IllegalCommandReason.TlbiTtlReserved : IllegalCommandReason.None;
    }
}
