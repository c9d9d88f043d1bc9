using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>
/// A 32-byte event queue record: a fault or configuration error the SMMU reports to software.
/// </summary>
/// <remarks>
/// <para>SMMUv3 §7.3 (Event records), field positions as Linux <c>EVTQ_{0..3}_*</c>. Word 0: event
/// number 7:0, SSV 11, SubstreamID 31:12, StreamID 63:32. Word 1: STAG 15:0, Stall 31, PnU 33, InD 34,
/// RnW 35, S2 39, CLASS 41:40, TTRnW 44. Word 2: InputAddr 63:0. Word 3: IPA 51:12 (translation-class
/// faults at stage 2) or FetchAddr 51:3 (F_STE_FETCH, F_CD_FETCH, F_WALK_EABT); the spec's fields run
/// to bit 55, bits above the 52-bit OAS RES0.</para>
/// <para>The factories build the events this model raises, with every field the architecture defines
/// for them that the model knows; undefined fields stay zero (RES0). This model terminates rather than
/// stalls, so Stall and STAG are always 0. F_BAD_ATS_TREQ also carries the requested R/W/X/Priv
/// permissions and Span; their positions could not be confirmed from the spec text available when this
/// was written, so <see cref="BadAtsTranslationRequest"/> leaves them zero.</para>
/// </remarks>
public readonly struct EventRecord : IEquatable<EventRecord>
{
    /// <summary>Bytes per event record (<c>1 &lt;&lt; EVTQ_ENT_SZ_SHIFT</c>).</summary>
    public const int Size = 32;

    private const int SsvBit = 11;         // EVTQ_0_SSV
    private const int StallBit = 31;       // EVTQ_1_STALL
    private const int PnUBit = 33;         // EVTQ_1_PnU
    private const int InDBit = 34;         // EVTQ_1_InD
    private const int RnWBit = 35;         // EVTQ_1_RnW
    private const int S2Bit = 39;          // EVTQ_1_S2
    private const int TtReadBit = 44;      // EVTQ_1_TT_READ
    private const ulong IpaMask = 0x000F_FFFF_FFFF_F000UL;   // EVTQ_3_IPA 51:12
    private const ulong FetchMask = 0x000F_FFFF_FFFF_FFF8UL; // EVTQ_3_FETCH_ADDR 51:3

    public EventRecord(ulong word0, ulong word1, ulong word2, ulong word3)
    {
        Word0 = word0;
        Word1 = word1;
        Word2 = word2;
        Word3 = word3;
    }

    public ulong Word0 { get; }
    public ulong Word1 { get; }
    public ulong Word2 { get; }
    public ulong Word3 { get; }

    /// <summary>EVTQ_0_ID, bits 7:0.</summary>
    public EventId Id => (EventId)(byte)Word0;

    /// <summary>EVTQ_0_SSV, bit 11: <see cref="SubstreamId"/> is valid.</summary>
    public bool SubstreamValid => Bit(Word0, SsvBit);

    /// <summary>EVTQ_0_SSID, bits 31:12 (always valid in C_BAD_SUBSTREAMID, which has no SSV).</summary>
    public uint SubstreamId => (uint)Get(Word0, 31, 12);

    /// <summary>EVTQ_0_SID, bits 63:32.</summary>
    public uint StreamId => (uint)(Word0 >> 32);

    /// <summary>EVTQ_1_STAG, word 1 bits 15:0: the stall tag for CMD_RESUME.</summary>
    public ushort Stag => (ushort)Word1;

    /// <summary>EVTQ_1_STALL, word 1 bit 31: the transaction is stalled awaiting CMD_RESUME.</summary>
    public bool Stall => Bit(Word1, StallBit);

    /// <summary>EVTQ_1_PnU, word 1 bit 33: privileged access.</summary>
    public bool Privileged => Bit(Word1, PnUBit);

    /// <summary>EVTQ_1_InD, word 1 bit 34: instruction fetch (0 for writes).</summary>
    public bool Instruction => Bit(Word1, InDBit);

    /// <summary>EVTQ_1_RnW, word 1 bit 35: 1 read, 0 write.</summary>
    public bool Read => Bit(Word1, RnWBit);

    /// <summary>EVTQ_1_S2, word 1 bit 39: the fault happened at stage 2.</summary>
    public bool Stage2 => Bit(Word1, S2Bit);

    /// <summary>EVTQ_1_CLASS, word 1 bits 41:40.</summary>
    public FaultClass Class => (FaultClass)Get(Word1, 41, 40);

    /// <summary>EVTQ_1_TT_READ, word 1 bit 44 (TTRnW): the faulting table access was a read.</summary>
    public bool TableRead => Bit(Word1, TtReadBit);

    /// <summary>EVTQ_2_ADDR, word 2: the input address (a VA for stage 1 faults).</summary>
    public ulong InputAddress => Word2;

    /// <summary>EVTQ_3_IPA, word 3 bits 51:12.</summary>
    public ulong Ipa => Word3 & IpaMask;

    /// <summary>EVTQ_3_FETCH_ADDR, word 3 bits 51:3: the PA whose fetch aborted.</summary>
    public ulong FetchAddress => Word3 & FetchMask;

    private static ulong Header(EventId id, uint sid, uint ssid, bool ssv)
    {
        CheckWidth(ssid, 20, nameof(ssid));
        return (byte)id | Flag(SsvBit, ssv) | Prep(31, 12, ssid) | ((ulong)sid << 32);
    }

    /// <summary>PnU, InD, RnW as §7.3 defines them; InD is forced to 0 for a write ("InD == 0 when RnW == 0").</summary>
    private static ulong Access(bool read, bool privileged, bool instruction) =>
        Flag(PnUBit, privileged) | Flag(InDBit, instruction && read) | Flag(RnWBit, read);

    private static EventRecord Stage1(EventId id, uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction) =>
        new(Header(id, sid, ssid, ssv), Access(read, privileged, instruction) | Prep(41, 40, (ulong)FaultClass.Input), inputAddress, 0);

    /// <summary>F_TRANSLATION (§7.3.13) at stage 1 on the input address: S2 0, CLASS IN, IPA UNKNOWN (0).</summary>
    public static EventRecord TranslationFault(uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction) =>
        Stage1(EventId.F_TRANSLATION, sid, ssid, ssv, inputAddress, read, privileged, instruction);

    /// <summary>F_ADDR_SIZE (§7.3.14) at stage 1 on the input address.</summary>
    public static EventRecord AddressSizeFault(uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction) =>
        Stage1(EventId.F_ADDR_SIZE, sid, ssid, ssv, inputAddress, read, privileged, instruction);

    /// <summary>F_ACCESS (§7.3.15) at stage 1 on the input address.</summary>
    public static EventRecord AccessFault(uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction) =>
        Stage1(EventId.F_ACCESS, sid, ssid, ssv, inputAddress, read, privileged, instruction);

    /// <summary>F_PERMISSION (§7.3.16) at stage 1 on the input address.</summary>
    public static EventRecord PermissionFault(uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction) =>
        Stage1(EventId.F_PERMISSION, sid, ssid, ssv, inputAddress, read, privileged, instruction);

    /// <summary>F_WALK_EABT (§7.3.12) for a stage 1 walk: S2 0, CLASS TT, the aborting descriptor address in FetchAddr.</summary>
    public static EventRecord WalkExternalAbort(uint sid, uint ssid, bool ssv, ulong inputAddress, bool read, bool privileged, bool instruction, ulong fetchAddress) =>
        new(Header(EventId.F_WALK_EABT, sid, ssid, ssv),
            Access(read, privileged, instruction) | Prep(41, 40, (ulong)FaultClass.TranslationTable),
            inputAddress, fetchAddress & FetchMask);

    /// <summary>C_BAD_STREAMID (§7.3.3): StreamID beyond the stream table or its level-2 span.</summary>
    public static EventRecord BadStreamId(uint sid, uint ssid, bool ssv) => new(Header(EventId.C_BAD_STREAMID, sid, ssid, ssv), 0, 0, 0);

    /// <summary>F_STE_FETCH (§7.3.4): the STE at <paramref name="fetchAddress"/> could not be read.</summary>
    public static EventRecord SteFetch(uint sid, uint ssid, bool ssv, ulong fetchAddress) =>
        new(Header(EventId.F_STE_FETCH, sid, ssid, ssv), 0, 0, fetchAddress & FetchMask);

    /// <summary>C_BAD_STE (§7.3.5): the STE is invalid (V 0) or ILLEGAL.</summary>
    public static EventRecord BadSte(uint sid, uint ssid, bool ssv) => new(Header(EventId.C_BAD_STE, sid, ssid, ssv), 0, 0, 0);

    /// <summary>F_BAD_ATS_TREQ (§7.3.6): an ATS Translation Request on a stream whose EATS forbids it.
    /// InputAddr holds the requested address's bits 63:12.</summary>
    public static EventRecord BadAtsTranslationRequest(uint sid, uint ssid, bool ssv, ulong inputAddress) =>
        new(Header(EventId.F_BAD_ATS_TREQ, sid, ssid, ssv), 0, inputAddress & ~0xFFFUL, 0);

    /// <summary>F_STREAM_DISABLED (§7.3.7): traffic without a SubstreamID (or with SubstreamID 0 under
    /// S1DSS = Substream0) on a stream that only takes substream traffic. The record holds only the StreamID.</summary>
    public static EventRecord StreamDisabled(uint sid) => new(Header(EventId.F_STREAM_DISABLED, sid, 0, false), 0, 0, 0);

    /// <summary>F_TRANSL_FORBIDDEN (§7.3.8): ATS-Translated traffic the STE does not allow; StreamID, RnW and InputAddr only.</summary>
    public static EventRecord TranslationForbidden(uint sid, ulong inputAddress, bool read) =>
        new(Header(EventId.F_TRANSL_FORBIDDEN, sid, 0, false), Flag(RnWBit, read), inputAddress, 0);

    /// <summary>C_BAD_SUBSTREAMID (§7.3.9): the SubstreamID is out of range or substreams are disabled.
    /// This record has no SSV: the SubstreamID field is always valid.</summary>
    public static EventRecord BadSubstreamId(uint sid, uint ssid) => new(Header(EventId.C_BAD_SUBSTREAMID, sid, ssid, false), 0, 0, 0);

    /// <summary>F_CD_FETCH (§7.3.10): the CD or L1CD at <paramref name="fetchAddress"/> could not be read.</summary>
    public static EventRecord CdFetch(uint sid, uint ssid, bool ssv, ulong fetchAddress) =>
        new(Header(EventId.F_CD_FETCH, sid, ssid, ssv), 0, 0, fetchAddress & FetchMask);

    /// <summary>C_BAD_CD (§7.3.11): the CD is invalid (V 0) or ILLEGAL.</summary>
    public static EventRecord BadCd(uint sid, uint ssid, bool ssv) => new(Header(EventId.C_BAD_CD, sid, ssid, ssv), 0, 0, 0);

    /// <summary>Reads a record from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    public static EventRecord ReadFrom(ReadOnlySpan<byte> source)
    {
        CheckLength(source.Length, Size, "an event record", nameof(source));
        return new(ReadWord(source, 0), ReadWord(source, 1), ReadWord(source, 2), ReadWord(source, 3));
    }

    /// <summary>Writes the record, little-endian, to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        CheckLength(destination.Length, Size, "an event record", nameof(destination));
        WriteWords(destination, Word0, Word1, Word2, Word3);
    }

    public bool Equals(EventRecord other) =>
        Word0 == other.Word0 && Word1 == other.Word1 && Word2 == other.Word2 && Word3 == other.Word3;

    public override bool Equals(object? obj) => obj is EventRecord o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Word0, Word1, Word2, Word3);
    public static bool operator ==(EventRecord a, EventRecord b) => a.Equals(b);
    public static bool operator !=(EventRecord a, EventRecord b) => !a.Equals(b);

    public override string ToString() =>
        $"{Id} sid={StreamId:x}{(SubstreamValid ? $" ssid={SubstreamId:x}" : "")} addr={InputAddress:x}{(Read ? " R" : " W")}";
}
