using Emulator.Core.Pcie;

namespace Emulator.Core.Wire;

/// <summary>Conversions between the ATC model's <see cref="AtcEntry"/> and its wire form
/// <see cref="AtcDumpEntry"/> (ATC_FILL, ATC_DUMP_REPLY).</summary>
/// <remarks>The two share their vocabulary bit for bit: <see cref="AtcEntry.NoPasid"/> and
/// <see cref="AtcInvPayload.NoPasid"/> are both 0xFFFFFFFF, and <see cref="AtsPermissions"/> and
/// <see cref="WirePermissions"/> both number R, W, Exe, Priv as bits 0..3. What the wire does not carry —
/// the frame generation and the insertion sequence — is the host's alone.</remarks>
public static class AtcEntryWire
{
    /// <summary>The wire form of <paramref name="entry"/>.</summary>
    public static AtcDumpEntry ToDumpEntry(in AtcEntry entry) =>
        new(entry.Pasid, entry.Va, (byte)entry.SizeLog2, entry.Pa, (WirePermissions)(byte)entry.Permissions, entry.Global);

    /// <summary>The model form of <paramref name="entry"/>, with <paramref name="frameGeneration"/> (the wire
    /// has none) and no insertion sequence. Not checked: see <see cref="AtcEntry.IsWellFormed"/>.</summary>
    public static AtcEntry ToAtcEntry(in AtcDumpEntry entry, uint frameGeneration = 0) =>
        new(entry.Pasid, entry.Va, entry.SizeLog2, entry.Pa, (AtsPermissions)(byte)entry.Permissions, entry.Global, frameGeneration);
}
