using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>
/// One 16-byte command-queue entry as a typed view over its two little-endian 64-bit words.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §4 (Commands): §4.1.1 opcodes, §4.1.6 common fields, one subsection per command. Field
/// positions are exactly Linux <c>arm-smmu-v3.h</c> (<c>CMDQ_0_*</c>, <c>CMDQ_&lt;cmd&gt;_{0,1}_*</c>), and the
/// factories in <c>Command.Factories.cs</c> build the words <c>arm_smmu_cmdq_build_cmd</c> builds.</para>
/// <para>Several fields share bit positions across commands (word 0 bits 13:12 are SubstreamID bits for
/// CMD_ATC_INV, the completion signal for CMD_SYNC and the action for CMD_RESUME), so each accessor
/// is meaningful only for the commands its summary names; on other commands it returns whatever those
/// bits hold.</para>
/// <para>Physical addresses are 52-bit (OAS 52), matching Linux's masks; the spec's fields run to bit
/// 55 with bits 55:52 RES0 in SMMUv3.1–3.3 (§4.1.6).</para>
/// </remarks>
public readonly partial struct Command : IEquatable<Command>
{
    /// <summary>Bytes per command-queue entry (<c>1 &lt;&lt; CMDQ_ENT_SZ_SHIFT</c>).</summary>
    public const int Size = 16;

    /// <summary>CMD_ATC_INV.Size meaning "invalidate all" (a 2^64-byte span); Linux <c>ATC_INV_SIZE_ALL</c>.</summary>
    public const int AtcInvSizeAll = 52;

    /// <summary>The CMD_CFGI_STE_RANGE Range that covers every StreamID: CMD_CFGI_ALL (§4.3.6).</summary>
    public const int CfgiAllRange = 31;

    /// <summary>CMD_SYNC.MSH Inner Shareable, as Linux sets it (<c>ARM_SMMU_SH_ISH</c>).</summary>
    public const int MshInnerShareable = 3;

    /// <summary>CMD_SYNC.MSIAttr Normal Inner/Outer Write-Back, as Linux sets it (<c>ARM_SMMU_MEMATTR_OIWB</c>).</summary>
    public const int MsiAttrWriteBack = 0xF;

    // Word 0.
    private const int SsecBit = 10;               // SSec (§4.1.6); Linux does not name it.
    private const int SsvBit = 11;                // CMDQ_0_SSV
    private const int AtcGlobalBit = 9;           // CMDQ_ATC_0_GLOBAL
    private const int ResumeRetryBit = 12;        // Ac: CMDQ_RESUME_0_RESP bit 0
    private const int ResumeAbortBit = 13;        // Ab: CMDQ_RESUME_0_RESP bit 1

    // Word 1.
    private const int LeafBit = 0;                // CMDQ_CFGI_1_LEAF, CMDQ_TLBI_1_LEAF
    private const ulong VaMask = 0xFFFF_FFFF_FFFF_F000UL;   // CMDQ_TLBI_1_VA_MASK, CMDQ_ATC_1_ADDR_MASK: 63:12
    private const ulong MsiAddrMask = 0x000F_FFFF_FFFF_FFFCUL; // CMDQ_SYNC_1_MSIADDR_MASK: 51:2

    public Command(ulong word0, ulong word1)
    {
        Word0 = word0;
        Word1 = word1;
    }

    /// <summary>Bits 63:0 of the entry.</summary>
    public ulong Word0 { get; }

    /// <summary>Bits 127:64 of the entry.</summary>
    public ulong Word1 { get; }

    /// <summary>CMDQ_0_OP, bits 7:0. May name no <see cref="CommandOpcode"/> member.</summary>
    public CommandOpcode Opcode => (CommandOpcode)(byte)Word0;

    /// <summary>CMDQ_0_SSV, bit 11: SubstreamID supplied (PREFETCH_CONFIG, ATC_INV, PRI_RESP).</summary>
    public bool SubstreamValid => Bit(Word0, SsvBit);

    /// <summary>SSec, bit 10 (PREFETCH_CONFIG, CFGI_*, RESUME): must be 0 on the Non-secure queue.</summary>
    public bool SecureStream => Bit(Word0, SsecBit);

    /// <summary>StreamID, bits 63:32 (PREFETCH_CONFIG, CFGI_*, ATC_INV, PRI_RESP, RESUME).</summary>
    public uint StreamId => (uint)(Word0 >> 32);

    /// <summary>SubstreamID, bits 31:12 (PREFETCH_CONFIG, CFGI_CD, ATC_INV, PRI_RESP).</summary>
    public uint SubstreamId => (uint)Get(Word0, 31, 12);

    /// <summary>Leaf, word 1 bit 0 (CFGI_STE, CFGI_CD, TLBI_NH_VA, TLBI_NH_VAA).</summary>
    public bool Leaf => Bit(Word1, LeafBit);

    /// <summary>CMDQ_CFGI_1_RANGE, word 1 bits 4:0 (CFGI_STE_RANGE): 2^(Range+1) StreamIDs.</summary>
    public int CfgiRange => (int)Get(Word1, 4, 0);

    /// <summary>CMDQ_TLBI_0_NUM, bits 16:12 (TLBI_NH_VA, TLBI_NH_VAA).</summary>
    public int TlbiNum => (int)Get(Word0, 16, 12);

    /// <summary>CMDQ_TLBI_0_SCALE, bits 24:20 (TLBI_NH_VA, TLBI_NH_VAA).</summary>
    public int TlbiScale => (int)Get(Word0, 24, 20);

    /// <summary>CMDQ_TLBI_0_VMID, bits 47:32 (TLBI_NH_*, TLBI_S12_VMALL).</summary>
    public ushort Vmid => (ushort)Get(Word0, 47, 32);

    /// <summary>CMDQ_TLBI_0_ASID, bits 63:48 (TLBI_NH_ASID, TLBI_NH_VA).</summary>
    public ushort Asid => (ushort)(Word0 >> 48);

    /// <summary>CMDQ_TLBI_1_TTL, word 1 bits 9:8: leaf level hint when <see cref="TlbiTg"/> is non-zero.</summary>
    public int TlbiTtl => (int)Get(Word1, 9, 8);

    /// <summary>CMDQ_TLBI_1_TG, word 1 bits 11:10: 0 none, 1 4KB, 2 16KB, 3 64KB; non-zero makes a range TLBI.</summary>
    public int TlbiTg => (int)Get(Word1, 11, 10);

    /// <summary>CMDQ_TLBI_1_VA_MASK, word 1 bits 63:12 (TLBI_NH_VA, TLBI_NH_VAA); bits 11:0 read as zero.</summary>
    public ulong TlbiAddress => Word1 & VaMask;

    /// <summary>Bytes covered by a range TLBI, ((NUM+1) * 2^SCALE) granules (§4.4.1.1); 0 when TG is 0
    /// (a single-address invalidation).</summary>
    public ulong TlbiRangeSize => TlbiTg switch
    {
        0 => 0,
        _ => ((ulong)(TlbiNum + 1) << TlbiScale) << (10 + 2 * TlbiTg),
    };

    /// <summary>CMDQ_ATC_0_GLOBAL, bit 9 (ATC_INV); IGNORED when SSV is 0.</summary>
    public bool AtcGlobal => Bit(Word0, AtcGlobalBit);

    /// <summary>CMDQ_ATC_1_SIZE, word 1 bits 5:0 (ATC_INV): the span is 4096 * 2^Size bytes; 52 is all.</summary>
    public int AtcSize => (int)Get(Word1, 5, 0);

    /// <summary>CMDQ_ATC_1_ADDR_MASK, word 1 bits 63:12 (ATC_INV), as written.</summary>
    public ulong AtcAddress => Word1 & VaMask;

    /// <summary>The start of the span the SMMU invalidates: <see cref="AtcAddress"/> with bits [11+Size:0]
    /// taken as zero (§4.5.1 "The Address span is aligned to its size by the SMMU"); 0 for Size ≥ 52.</summary>
    public ulong AtcEffectiveAddress => AtcSize >= AtcInvSizeAll ? 0 : AtcAddress & ~((1UL << (12 + AtcSize)) - 1);

    /// <summary>CMDQ_PRI_1_GRPID, word 1 bits 8:0 (PRI_RESP): the PRG index being answered.</summary>
    public ushort PriGroupIndex => (ushort)Get(Word1, 8, 0);

    /// <summary>CMDQ_PRI_1_RESP, word 1 bits 13:12 (PRI_RESP). The value 3 is Reserved.</summary>
    public PriResponse PriResponse => (PriResponse)Get(Word1, 13, 12);

    /// <summary>CMDQ_RESUME_0_RESP, bits 13:12 (RESUME): Ac and Ab folded as Linux folds them.</summary>
    public ResumeResponse ResumeAction => Bit(Word0, ResumeRetryBit)
        ? ResumeResponse.Retry
        : Bit(Word0, ResumeAbortBit) ? ResumeResponse.Abort : ResumeResponse.Terminate;

    /// <summary>CMDQ_RESUME_1_STAG, word 1 bits 15:0 (RESUME): the token from the stall event record.</summary>
    public ushort ResumeStag => (ushort)Word1;

    /// <summary>CMDQ_SYNC_0_CS, bits 13:12 (SYNC). The value 3 is Reserved.</summary>
    public SyncCs SyncCompletion => (SyncCs)Get(Word0, 13, 12);

    /// <summary>CMDQ_SYNC_0_MSH, bits 23:22 (SYNC): MSI shareability.</summary>
    public int SyncMsh => (int)Get(Word0, 23, 22);

    /// <summary>CMDQ_SYNC_0_MSIATTR, bits 27:24 (SYNC): MSI memory attributes, encoded as STE.MemAttr.</summary>
    public int SyncMsiAttr => (int)Get(Word0, 27, 24);

    /// <summary>CMDQ_SYNC_0_MSIDATA, bits 63:32 (SYNC): the 32-bit value the MSI writes.</summary>
    public uint SyncMsiData => (uint)(Word0 >> 32);

    /// <summary>CMDQ_SYNC_1_MSIADDR_MASK, word 1 bits 51:2 (SYNC): 0 means no MSI write.</summary>
    public ulong SyncMsiAddress => Word1 & MsiAddrMask;

    /// <summary>True when a CMD_CFGI_STE_RANGE covers <paramref name="sid"/>: the bottom Range+1 bits of
    /// StreamID are IGNORED (§4.3.2), so Range 31 covers every StreamID.</summary>
    public bool CfgiRangeCovers(uint sid) => (((ulong)sid ^ StreamId) >> (CfgiRange + 1)) == 0;

    /// <summary>True when a CMD_ATC_INV span contains <paramref name="address"/>.</summary>
    public bool AtcCovers(ulong address) =>
        AtcSize >= AtcInvSizeAll || ((address ^ AtcAddress) >> (12 + AtcSize)) == 0;

    /// <summary>Reads an entry from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    public static Command ReadFrom(ReadOnlySpan<byte> source)
    {
        CheckLength(source.Length, Size, "a command", nameof(source));
        return new(ReadWord(source, 0), ReadWord(source, 1));
    }

    /// <summary>Writes the entry, little-endian, to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        CheckLength(destination.Length, Size, "a command", nameof(destination));
        WriteWords(destination, Word0, Word1);
    }

    public bool Equals(Command other) => Word0 == other.Word0 && Word1 == other.Word1;
    public override bool Equals(object? obj) => obj is Command c && Equals(c);
    public override int GetHashCode() => HashCode.Combine(Word0, Word1);
    public static bool operator ==(Command a, Command b) => a.Equals(b);
    public static bool operator !=(Command a, Command b) => !a.Equals(b);

    public override string ToString() => Opcode switch
    {
        CommandOpcode.PrefetchConfig => $"CMD_PREFETCH_CONFIG sid={StreamId:x}{Ssid()}",
        CommandOpcode.CfgiSte => $"CMD_CFGI_STE sid={StreamId:x} leaf={Leaf}",
        CommandOpcode.CfgiSteRange => CfgiRange == CfgiAllRange
            ? "CMD_CFGI_ALL"
            : $"CMD_CFGI_STE_RANGE sid={StreamId:x} range={CfgiRange}",
        CommandOpcode.CfgiCd => $"CMD_CFGI_CD sid={StreamId:x} ssid={SubstreamId:x} leaf={Leaf}",
        CommandOpcode.CfgiCdAll => $"CMD_CFGI_CD_ALL sid={StreamId:x}",
        CommandOpcode.TlbiNhAll => $"CMD_TLBI_NH_ALL vmid={Vmid}",
        CommandOpcode.TlbiNhAsid => $"CMD_TLBI_NH_ASID vmid={Vmid} asid={Asid}",
        CommandOpcode.TlbiNhVa => $"CMD_TLBI_NH_VA vmid={Vmid} asid={Asid} va={TlbiAddress:x} leaf={Leaf}{Range()}",
        CommandOpcode.TlbiNhVaa => $"CMD_TLBI_NH_VAA vmid={Vmid} va={TlbiAddress:x} leaf={Leaf}{Range()}",
        CommandOpcode.TlbiEl2All => "CMD_TLBI_EL2_ALL",
        CommandOpcode.TlbiS12Vmall => $"CMD_TLBI_S12_VMALL vmid={Vmid}",
        CommandOpcode.TlbiNsnhAll => "CMD_TLBI_NSNH_ALL",
        CommandOpcode.AtcInv => $"CMD_ATC_INV sid={StreamId:x}{Ssid()} addr={AtcAddress:x} size={AtcSize}{(AtcGlobal ? " global" : "")}",
        CommandOpcode.PriResp => $"CMD_PRI_RESP sid={StreamId:x}{Ssid()} grpid={PriGroupIndex} resp={PriResponse}",
        CommandOpcode.Resume => $"CMD_RESUME sid={StreamId:x} stag={ResumeStag:x} {ResumeAction}",
        CommandOpcode.Sync => $"CMD_SYNC cs={SyncCompletion} msiaddr={SyncMsiAddress:x} msidata={SyncMsiData:x}",
        _ => $"cmd[op={(byte)Opcode:x2} {Word0:x16} {Word1:x16}]",
    };

    private string Ssid() => SubstreamValid ? $" ssid={SubstreamId:x}" : "";

    private string Range() => TlbiTg == 0 ? "" : $" num={TlbiNum} scale={TlbiScale} ttl={TlbiTtl} tg={TlbiTg}";
}
