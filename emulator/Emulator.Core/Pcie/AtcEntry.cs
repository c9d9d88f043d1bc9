using System.Globalization;

namespace Emulator.Core.Pcie;

/// <summary>
/// One translation cached in an <see cref="Atc"/>: what is inserted, what a hit returns, and what a
/// dump lists for lockstep checks and the coherence oracle.
/// </summary>
/// <remarks>
/// <para>The span is [<see cref="Va"/>, <see cref="Last"/>], 2^<see cref="SizeLog2"/> bytes, naturally
/// aligned, mapped to [<see cref="Pa"/>, <see cref="Pa"/> + <see cref="Size"/>). A 4 KiB translation has
/// <see cref="SizeLog2"/> 12; a ranged one (Translation Completion with S = 1, PCIe Base §10.2.3) any
/// 13..63 — ATS sizes are powers of two, naturally aligned, at least 4096 bytes.</para>
/// <para><see cref="FrameGeneration"/> is opaque to the ATC: the caller records the generation of the
/// frame the translation pointed at when it was fetched, and the coherence oracle compares it with the
/// frame's current generation to prove an access stale.</para>
/// </remarks>
public readonly struct AtcEntry
{
    /// <summary>The PASID of a translation requested without a PASID prefix (untagged).</summary>
    public const uint NoPasid = uint.MaxValue;

    /// <summary>Largest PASID: the PASID TLP prefix carries 20 bits.</summary>
    public const uint MaxPasid = (1u << 20) - 1;

    /// <summary>Smallest span: one 4 KiB page.</summary>
    public const int MinSizeLog2 = 12;

    /// <summary>Largest span this model caches (2^63 bytes).</summary>
    public const int MaxSizeLog2 = 63;

    private readonly byte _sizeLog2;

    /// <summary>Describes a translation. Nothing is checked here; see <see cref="IsWellFormed"/>.</summary>
    /// <param name="pasid">The PASID of the request, or <see cref="NoPasid"/>.</param>
    /// <param name="va">Base of the span (untranslated address), aligned to 2^<paramref name="sizeLog2"/>.</param>
    /// <param name="sizeLog2">log2 of the span in bytes, <see cref="MinSizeLog2"/>..<see cref="MaxSizeLog2"/>.</param>
    /// <param name="pa">Base of the translated span, aligned like <paramref name="va"/>.</param>
    /// <param name="permissions">R/W/Exe/Priv of the completion.</param>
    /// <param name="global">The completion's Global Mapping bit (only meaningful with a PASID).</param>
    /// <param name="frameGeneration">Generation of the physical frame at translation time.</param>
    /// <param name="sequence">Insertion sequence; <see cref="Atc"/> assigns its own on insert.</param>
    public AtcEntry(uint pasid, ulong va, int sizeLog2, ulong pa, AtsPermissions permissions, bool global,
        uint frameGeneration, ulong sequence = 0)
    {
        Pasid = pasid;
        Va = va;
        _sizeLog2 = (byte)sizeLog2;
        Pa = pa;
        Permissions = permissions;
        Global = global;
        FrameGeneration = frameGeneration;
        Sequence = sequence;
    }

    /// <summary>The PASID the translation was requested with, or <see cref="NoPasid"/>.</summary>
    public uint Pasid { get; }

    /// <summary>Base of the untranslated span.</summary>
    public ulong Va { get; }

    /// <summary>log2 of the span in bytes: 12 for 4 KiB, 21 for 2 MiB, 30 for 1 GiB, up to 63.</summary>
    public int SizeLog2 => _sizeLog2;

    /// <summary>Base of the translated span.</summary>
    public ulong Pa { get; }

    public AtsPermissions Permissions { get; }

    /// <summary>Global Mapping (G): the translation holds for every PASID of the function.</summary>
    public bool Global { get; }

    /// <summary>Generation of the physical frame when the translation was fetched (caller supplied).</summary>
    public uint FrameGeneration { get; }

    /// <summary>Order of insertion into the ATC, from 1 (0: never inserted). Diagnostics and the
    /// replacement policy.</summary>
    public ulong Sequence { get; }

    /// <summary>Bytes in the span.</summary>
    public ulong Size => 1UL << _sizeLog2;

    /// <summary>Last byte of the span (inclusive).</summary>
    public ulong Last => Va + (Size - 1);

    /// <summary>True for a translation of more than 4 KiB.</summary>
    public bool IsRanged => _sizeLog2 > MinSizeLog2;

    /// <summary>True when the PASID fits 20 bits (or is <see cref="NoPasid"/>), the span has a legal size,
    /// <see cref="Va"/> and <see cref="Pa"/> are aligned to it, and <see cref="Global"/> is only set with a
    /// PASID (the G bit is Reserved for untagged requests).</summary>
    public bool IsWellFormed =>
        (Pasid <= MaxPasid || Pasid == NoPasid) &&
        _sizeLog2 >= MinSizeLog2 && _sizeLog2 <= MaxSizeLog2 &&
        (Va & (Size - 1)) == 0 && (Pa & (Size - 1)) == 0 &&
        !(Global && Pasid == NoPasid);

    /// <summary>True when <paramref name="va"/> lies in the span.</summary>
    public bool Covers(ulong va) => ((va ^ Va) >> _sizeLog2) == 0;

    /// <summary>The translated address of <paramref name="va"/> (which must lie in the span).</summary>
    public ulong Translate(ulong va) => Pa | (va & (Size - 1));

    internal AtcEntry WithSequence(ulong sequence) =>
        new(Pasid, Va, _sizeLog2, Pa, Permissions, Global, FrameGeneration, sequence);

    /// <summary>One line for dumps, e.g. <c>pasid 5 va 0x7f0000200000/21 -> pa 0x40000000 RW- G gen 3 seq 12</c>.</summary>
    public override string ToString()
    {
        string pasid = Pasid == NoPasid ? "-" : Pasid.ToString(CultureInfo.InvariantCulture);
        char r = (Permissions & AtsPermissions.Read) != 0 ? 'R' : '-';
        char w = (Permissions & AtsPermissions.Write) != 0 ? 'W' : '-';
        char x = (Permissions & AtsPermissions.Execute) != 0 ? 'X' : '-';
        return string.Create(CultureInfo.InvariantCulture,
            $"pasid {pasid} va 0x{Va:x}/{SizeLog2} -> pa 0x{Pa:x} {r}{w}{x}{((Permissions & AtsPermissions.Privileged) != 0 ? " priv" : "")}{(Global ? " G" : "")} gen {FrameGeneration} seq {Sequence}");
    }
}
