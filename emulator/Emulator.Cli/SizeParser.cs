using System.Globalization;

namespace Emulator.Cli;

/// <summary>Parses sizes such as <c>4096</c>, <c>0x1000</c>, <c>256M</c>, <c>1G</c> (powers of 1024), <c>_</c> allowed.</summary>
internal static class SizeParser
{
    public static bool TryParse(string text, out ulong value)
    {
        value = 0;
        var s = text.Replace("_", "", StringComparison.Ordinal).Trim();
        if (s.Length == 0)
        {
            return false;
        }
        int shift = char.ToUpperInvariant(s[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
        if (shift != 0)
        {
            s = s[..^1];
        }
        bool ok = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || (shift != 0 && value > ulong.MaxValue >> shift))
        {
            return false;
        }
        value <<= shift;
        return true;
    }
}
