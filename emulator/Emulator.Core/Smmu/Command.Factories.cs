using System.Numerics;
using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>The command factories: each builds the words Linux <c>arm_smmu_cmdq_build_cmd</c> builds for
/// the same <c>struct arm_smmu_cmdq_ent</c>.</summary>
/// <remarks>Arguments that do not fit their field throw <see cref="ArgumentOutOfRangeException"/> (a
/// driver bug); addresses are masked to their field as Linux masks them (<c>addr &amp; *_ADDR_MASK</c>).</remarks>
public readonly partial struct Command
{
    private static ulong Op(CommandOpcode opcode) => (byte)opcode;

    private static ulong Sid(uint sid) => (ulong)sid << 32;

    private static ulong SsidField(uint ssid)
    {
        CheckWidth(ssid, 20, nameof(ssid));
        return Prep(31, 12, ssid);
    }

    /// <summary>CMD_PREFETCH_CONFIG (§4.2.1) for a StreamID, as Linux issues it (no SubstreamID).</summary>
    public static Command PrefetchConfig(uint sid) => new(Op(CommandOpcode.PrefetchConfig) | Sid(sid), 0);

    /// <summary>CMD_PREFETCH_CONFIG (§4.2.1) for a StreamID and, when <paramref name="ssv"/>, a SubstreamID.</summary>
    public static Command PrefetchConfig(uint sid, uint ssid, bool ssv) =>
        new(Op(CommandOpcode.PrefetchConfig) | Flag(SsvBit, ssv) | SsidField(ssid) | Sid(sid), 0);

    /// <summary>CMD_CFGI_STE (§4.3.1): <paramref name="leaf"/> spares cached L1STDs.</summary>
    public static Command CfgiSte(uint sid, bool leaf) =>
        new(Op(CommandOpcode.CfgiSte) | Sid(sid), Flag(LeafBit, leaf));

    /// <summary>CMD_CFGI_STE_RANGE (§4.3.2): the 2^(<paramref name="range"/>+1) StreamIDs around <paramref name="sid"/>.</summary>
    public static Command CfgiSteRange(uint sid, int range)
    {
        CheckWidth((ulong)range, 5, nameof(range));
        return new(Op(CommandOpcode.CfgiSteRange) | Sid(sid), (ulong)range);
    }

    /// <summary>CMD_CFGI_ALL (§4.3.6): CMD_CFGI_STE_RANGE with Range 31 and StreamID 0, as Linux encodes it.</summary>
    public static Command CfgiAll() => new(Op(CommandOpcode.CfgiAll), CfgiAllRange);

    /// <summary>CMD_CFGI_CD (§4.3.3): the CD at index <paramref name="ssid"/> of <paramref name="sid"/>'s table.</summary>
    public static Command CfgiCd(uint sid, uint ssid, bool leaf) =>
        new(Op(CommandOpcode.CfgiCd) | SsidField(ssid) | Sid(sid), Flag(LeafBit, leaf));

    /// <summary>CMD_CFGI_CD_ALL (§4.3.4): every CD (and L1CD) cached for <paramref name="sid"/>.</summary>
    public static Command CfgiCdAll(uint sid) => new(Op(CommandOpcode.CfgiCdAll) | Sid(sid), 0);

    /// <summary>CMD_TLBI_NH_ALL (§4.4.2.1): all stage 1 EL1 entries of <paramref name="vmid"/> (0 without stage 2).</summary>
    public static Command TlbiNhAll(ushort vmid = 0) => new(Op(CommandOpcode.TlbiNhAll) | Prep(47, 32, vmid), 0);

    /// <summary>CMD_TLBI_NH_ASID (§4.4.2.2): non-global entries of <paramref name="asid"/>.</summary>
    public static Command TlbiNhAsid(ushort asid, ushort vmid = 0) =>
        new(Op(CommandOpcode.TlbiNhAsid) | Prep(47, 32, vmid) | ((ulong)asid << 48), 0);

    /// <summary>CMD_TLBI_NH_VA (§4.4.2.4) for one address, without the range fields (TG 0) — what Linux
    /// issues when the SMMU lacks IDR3.RIL.</summary>
    public static Command TlbiNhVa(ushort asid, ulong va, bool leaf) => TlbiNhVa(asid, va, leaf, 0, 0, 0, 0, 0);

    /// <summary>CMD_TLBI_NH_VA (§4.4.2.4) with every field, including the range form (§4.4.1.1).</summary>
    public static Command TlbiNhVa(ushort asid, ulong va, bool leaf, ushort vmid, int num, int scale, int ttl, int tg) =>
        new(Op(CommandOpcode.TlbiNhVa) | RangeWord0(num, scale) | Prep(47, 32, vmid) | ((ulong)asid << 48),
            RangeWord1(va, leaf, ttl, tg));

    /// <summary>CMD_TLBI_NH_VAA (§4.4.2.3) for one address in every ASID.</summary>
    public static Command TlbiNhVaa(ulong va, bool leaf) => TlbiNhVaa(va, leaf, 0, 0, 0, 0, 0);

    /// <summary>CMD_TLBI_NH_VAA (§4.4.2.3) with every field, including the range form (§4.4.1.1).</summary>
    public static Command TlbiNhVaa(ulong va, bool leaf, ushort vmid, int num, int scale, int ttl, int tg) =>
        new(Op(CommandOpcode.TlbiNhVaa) | RangeWord0(num, scale) | Prep(47, 32, vmid), RangeWord1(va, leaf, ttl, tg));

    /// <summary>CMD_TLBI_EL2_ALL (§4.4.2.7).</summary>
    public static Command TlbiEl2All() => new(Op(CommandOpcode.TlbiEl2All), 0);

    /// <summary>CMD_TLBI_S12_VMALL (§4.4.3.2).</summary>
    public static Command TlbiS12Vmall(ushort vmid) => new(Op(CommandOpcode.TlbiS12Vmall) | Prep(47, 32, vmid), 0);

    /// <summary>CMD_TLBI_NSNH_ALL (§4.4.4.1): every Non-secure, non-EL2 entry.</summary>
    public static Command TlbiNsnhAll() => new(Op(CommandOpcode.TlbiNsnhAll), 0);

    private static ulong RangeWord0(int num, int scale)
    {
        CheckWidth((ulong)num, 5, nameof(num));
        CheckWidth((ulong)scale, 5, nameof(scale));
        return Prep(16, 12, (ulong)num) | Prep(24, 20, (ulong)scale);
    }

    private static ulong RangeWord1(ulong va, bool leaf, int ttl, int tg)
    {
        CheckWidth((ulong)ttl, 2, nameof(ttl));
        CheckWidth((ulong)tg, 2, nameof(tg));
        return Flag(LeafBit, leaf) | Prep(9, 8, (ulong)ttl) | Prep(11, 10, (ulong)tg) | (va & VaMask);
    }

    /// <summary>CMD_ATC_INV (§4.5.1): invalidate the 4096 * 2^<paramref name="size"/>-byte span at
    /// <paramref name="addr"/> in the ATC of <paramref name="sid"/>, tagged with <paramref name="ssid"/> when
    /// <paramref name="ssv"/>.</summary>
    public static Command AtcInv(uint sid, uint ssid, bool ssv, ulong addr, int size, bool global)
    {
        CheckWidth((ulong)size, 6, nameof(size));
        return new(Op(CommandOpcode.AtcInv) | Flag(SsvBit, ssv) | Flag(AtcGlobalBit, global) | SsidField(ssid) | Sid(sid),
            (uint)size | (addr & VaMask));
    }

    /// <summary>CMD_ATC_INV of the whole address space (Size 52, Address 0), as Linux
    /// <c>arm_smmu_atc_inv_to_cmd</c> encodes a size of 0.</summary>
    public static Command AtcInvAll(uint sid, uint ssid, bool ssv) => AtcInv(sid, ssid, ssv, 0, AtcInvSizeAll, false);

    /// <summary>
    /// CMD_ATC_INV covering [<paramref name="start"/>, <paramref name="endExclusive"/>) with one naturally
    /// aligned power-of-two span of 4 KiB pages, exactly as Linux <c>arm_smmu_atc_inv_to_cmd</c> does.
    /// </summary>
    /// <remarks>
    /// <para>The length is <c>endExclusive - start</c> modulo 2^64, so <paramref name="endExclusive"/> 0 means
    /// "to the top of the address space". A length of 0 is Linux's <c>size == 0</c>: the whole space
    /// (Size 52, Address 0) — start 0, end 0 asks for all 2^64 bytes.</para>
    /// <para>Otherwise, with first and last page numbers <c>s</c> and <c>e</c>, the span is
    /// 2^fls(s ^ e) pages starting at <c>s</c> rounded down to that size. Pages [8, 11] stay [8, 11];
    /// pages [7, 10] become [0, 15]; two pages straddling a 2 MiB boundary, 0x1ff and 0x200, become
    /// 1024 pages [0, 0x3ff] (4 MiB). The over-invalidation is Linux's choice ("grossly
    /// over-invalidating the region" rather than splitting it).</para>
    /// </remarks>
    public static Command AtcInvRange(uint sid, uint ssid, bool ssv, ulong start, ulong endExclusive)
    {
        ulong size = endExclusive - start;
        if (size == 0)
        {
            return AtcInvAll(sid, ssid, ssv);
        }
        ulong pageStart = start >> 12;
        ulong pageEnd = (start + size - 1) >> 12;
        int log2Span = 64 - BitOperations.LeadingZeroCount(pageStart ^ pageEnd); // fls_long
        ulong spanMask = (1UL << log2Span) - 1;
        pageStart &= ~spanMask;
        return AtcInv(sid, ssid, ssv, pageStart << 12, log2Span, false);
    }

    /// <summary>CMD_PRI_RESP (§4.5.2): answer Page Request Group <paramref name="grpId"/>.</summary>
    public static Command PriResp(uint sid, uint ssid, bool ssv, ushort grpId, PriResponse resp)
    {
        CheckWidth(grpId, 9, nameof(grpId));
        if ((byte)resp > (byte)PriResponse.Success)
        {
            throw new ArgumentOutOfRangeException(nameof(resp), resp, "0b11 is Reserved"); // Linux: -EINVAL
        }
        return new(Op(CommandOpcode.PriResp) | Flag(SsvBit, ssv) | SsidField(ssid) | Sid(sid),
            grpId | Prep(13, 12, (ulong)resp));
    }

    /// <summary>CMD_RESUME (§4.7.1): retry or terminate the stalled transaction <paramref name="stag"/>.</summary>
    public static Command Resume(uint sid, ushort stag, ResumeResponse resp)
    {
        CheckWidth((ulong)resp, 2, nameof(resp));
        return new(Op(CommandOpcode.Resume) | Prep(13, 12, (ulong)resp) | Sid(sid), stag);
    }

    /// <summary>CMD_SYNC (§4.7.3) with Linux's MSI attributes (MSH Inner Shareable, MSIAttr write-back).</summary>
    public static Command Sync(SyncCs cs, ulong msiAddr, uint msiData) =>
        Sync(cs, msiAddr, msiData, MshInnerShareable, MsiAttrWriteBack);

    /// <summary>CMD_SYNC (§4.7.3) with every field.</summary>
    public static Command Sync(SyncCs cs, ulong msiAddr, uint msiData, int msh, int msiAttr)
    {
        CheckWidth((ulong)cs, 2, nameof(cs));
        CheckWidth((ulong)msh, 2, nameof(msh));
        CheckWidth((ulong)msiAttr, 4, nameof(msiAttr));
        return new(Op(CommandOpcode.Sync) | Prep(13, 12, (ulong)cs) | Prep(23, 22, (ulong)msh)
                | Prep(27, 24, (ulong)msiAttr) | ((ulong)msiData << 32),
            msiAddr & MsiAddrMask);
    }

    /// <summary>The CMD_SYNC Linux builds: SIG_IRQ with an MSI of data 0 to <paramref name="msiAddr"/>
    /// (which clears the first 4 bytes of the CMD_SYNC itself when it points there) when MSI polling is
    /// used, otherwise SIG_SEV.</summary>
    public static Command SyncAsLinux(ulong msiAddr) => Sync(msiAddr != 0 ? SyncCs.Irq : SyncCs.Sev, msiAddr, 0);
}
