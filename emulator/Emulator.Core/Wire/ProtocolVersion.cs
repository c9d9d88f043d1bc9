using System.Globalization;

namespace Emulator.Core.Wire;

/// <summary>A wire protocol version. Majors are incompatible; a higher minor only adds messages or
/// appends fields that an older peer ignores.</summary>
public readonly record struct ProtocolVersion(byte Major, byte Minor)
{
    /// <summary>The version this emulator speaks.</summary>
    public static ProtocolVersion Current => new(1, 0);

    /// <summary>Decides whether we can talk to a peer that announced <paramref name="theirs"/>.</summary>
    /// <returns>Accepted with the lower minor of the two, or refused with a message naming both versions.</returns>
    public static VersionVerdict Check(ProtocolVersion ours, ProtocolVersion theirs, string peer = "board")
    {
        if (ours.Major != theirs.Major)
            return VersionVerdict.Refuse(string.Create(CultureInfo.InvariantCulture,
                $"refused: {peer} speaks protocol {theirs}, emulator speaks {ours}"));
        return VersionVerdict.Accept(new ProtocolVersion(ours.Major, Math.Min(ours.Minor, theirs.Minor)));
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}");
}
