using static Emulator.Core.Smmu.SmmuBits;

namespace Emulator.Core.Smmu;

/// <summary>
/// A 16-byte PRI queue entry: one PCIe Page Request the SMMU received from an endpoint.
/// </summary>
/// <remarks>
/// <para>SMMUv3 Chapter 8 (Page request queue); field positions as Linux <c>PRIQ_{0,1}_*</c>. Word 0:
/// StreamID 31:0, SubstreamID 51:32, Priv 58, Exec 59, Read 60, Write 61, Last 62, SSV 63. Word 1:
/// PRG index 8:0, page address 63:12.</para>
/// <para>Requests of one Page Request Group share a PRG index; the one with Last set closes the group,
/// which software answers with one CMD_PRI_RESP. Without a PASID (SSV 0) Exec and Priv are 0. A
/// request with SSV 1, Last 1 and neither Read nor Write is a PCIe Stop Marker, not a page request.</para>
/// </remarks>
public readonly struct PriRequest : IEquatable<PriRequest>
{
    /// <summary>Bytes per PRI queue entry (<c>1 &lt;&lt; PRIQ_ENT_SZ_SHIFT</c>).</summary>
    public const int Size = 16;

    private const int PrivBit = 58;   // PRIQ_0_PERM_PRIV
    private const int ExecBit = 59;   // PRIQ_0_PERM_EXEC
    private const int ReadBit = 60;   // PRIQ_0_PERM_READ
    private const int WriteBit = 61;  // PRIQ_0_PERM_WRITE
    private const int LastBit = 62;   // PRIQ_0_PRG_LAST
    private const int SsvBit = 63;    // PRIQ_0_SSID_V
    private const ulong AddressMask = 0xFFFF_FFFF_FFFF_F000UL; // PRIQ_1_ADDR_MASK 63:12

    public PriRequest(ulong word0, ulong word1)
    {
        Word0 = word0;
        Word1 = word1;
    }

    public ulong Word0 { get; }
    public ulong Word1 { get; }

    /// <summary>PRIQ_0_SID, bits 31:0.</summary>
    public uint StreamId => (uint)Word0;

    /// <summary>PRIQ_0_SSID, bits 51:32; UNKNOWN when <see cref="SubstreamValid"/> is 0.</summary>
    public uint SubstreamId => (uint)Get(Word0, 51, 32);

    /// <summary>PRIQ_0_SSID_V, bit 63: the request carried a PASID.</summary>
    public bool SubstreamValid => Bit(Word0, SsvBit);

    /// <summary>PRIQ_0_PERM_PRIV, bit 58.</summary>
    public bool Privileged => Bit(Word0, PrivBit);

    /// <summary>PRIQ_0_PERM_EXEC, bit 59.</summary>
    public bool Execute => Bit(Word0, ExecBit);

    /// <summary>PRIQ_0_PERM_READ, bit 60.</summary>
    public bool Read => Bit(Word0, ReadBit);

    /// <summary>PRIQ_0_PERM_WRITE, bit 61.</summary>
    public bool Write => Bit(Word0, WriteBit);

    /// <summary>PRIQ_0_PRG_LAST, bit 62: the last request of its group.</summary>
    public bool Last => Bit(Word0, LastBit);

    /// <summary>PRIQ_1_PRG_IDX, word 1 bits 8:0.</summary>
    public ushort GroupIndex => (ushort)Get(Word1, 8, 0);

    /// <summary>PRIQ_1_ADDR_MASK, word 1 bits 63:12: the page requested.</summary>
    public ulong Address => Word1 & AddressMask;

    /// <summary>True for a PCIe Stop Marker (SSV 1, Last 1, Read 0, Write 0).</summary>
    public bool IsStopMarker => SubstreamValid && Last && !Read && !Write;

    /// <summary>
    /// The entry the SMMU writes for a Page Request. Exec and Priv are dropped when <paramref name="ssv"/>
    /// is false (they travel in the PASID prefix); the address keeps bits 63:12.
    /// </summary>
    public static PriRequest Create(uint sid, uint ssid, bool ssv, ulong address, ushort groupIndex, bool last,
        bool read, bool write, bool execute = false, bool privileged = false)
    {
        CheckWidth(ssid, 20, nameof(ssid));
        CheckWidth(groupIndex, 9, nameof(groupIndex));
        ulong word0 = sid | Prep(51, 32, ssid) | Flag(PrivBit, privileged && ssv) | Flag(ExecBit, execute && ssv)
            | Flag(ReadBit, read) | Flag(WriteBit, write) | Flag(LastBit, last) | Flag(SsvBit, ssv);
        return new(word0, groupIndex | (address & AddressMask));
    }

    /// <summary>Reads an entry from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="source"/> is shorter than <see cref="Size"/>.</exception>
    public static PriRequest ReadFrom(ReadOnlySpan<byte> source)
    {
        CheckLength(source.Length, Size, "a PRI queue entry", nameof(source));
        return new(ReadWord(source, 0), ReadWord(source, 1));
    }

    /// <summary>Writes the entry, little-endian, to the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <see cref="Size"/>.</exception>
    public void WriteTo(Span<byte> destination)
    {
        CheckLength(destination.Length, Size, "a PRI queue entry", nameof(destination));
        WriteWords(destination, Word0, Word1);
    }

    public bool Equals(PriRequest other) => Word0 == other.Word0 && Word1 == other.Word1;
    public override bool Equals(object? obj) => obj is PriRequest o && Equals(o);
    public override int GetHashCode() => HashCode.Combine(Word0, Word1);
    public static bool operator ==(PriRequest a, PriRequest b) => a.Equals(b);
    public static bool operator !=(PriRequest a, PriRequest b) => !a.Equals(b);

    public override string ToString() =>
        $"ppr[sid={StreamId:x}{(SubstreamValid ? $" ssid={SubstreamId:x}" : "")} prg={GroupIndex}{(Last ? "L" : "")} " +
        $"{(Read ? "R" : "")}{(Write ? "W" : "")}{(Execute ? "X" : "")}{(Privileged ? "P" : "")} addr={Address:x}]";
}
