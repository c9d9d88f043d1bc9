namespace Emulator.Core.Trace;

/// <summary>Numbers of the trace format: decimal or <c>0x</c> hex, <c>_</c> ignored after the first
/// digit; a size may end in <c>K</c>, <c>M</c> or <c>G</c> (×1024, ×1024², ×1024³). Overflow of
/// 64 bits is an error.</summary>
internal static class TraceNumber
{
    public static bool TryParse(ReadOnlySpan<char> text, bool allowSuffix, out ulong value, out string? error)
    {
        value = 0;
        error = null;
        ReadOnlySpan<char> original = text;
        int shift = 0;
        if (allowSuffix && text.Length > 1)
        {
            shift = text[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
            if (shift != 0)
            {
                text = text[..^1];
            }
        }
        uint radix = 10;
        if (text.StartsWith("0x"))
        {
            radix = 16;
            text = text[2..];
        }
        bool anyDigit = false;
        foreach (char c in text)
        {
            if (c == '_' && anyDigit)
            {
                continue;
            }
            uint d = c switch
            {
                >= '0' and <= '9' => (uint)(c - '0'),
                >= 'a' and <= 'f' when radix == 16 => (uint)(c - 'a' + 10),
                >= 'A' and <= 'F' when radix == 16 => (uint)(c - 'A' + 10),
                _ => uint.MaxValue,
            };
            if (d == uint.MaxValue)
            {
                error = allowSuffix ? $"invalid size '{original}'" : $"invalid number '{original}'";
                return false;
            }
            anyDigit = true;
            if (value > (ulong.MaxValue - d) / radix)
            {
                error = $"number '{original}' does not fit in 64 bits";
                return false;
            }
            value = value * radix + d;
        }
        if (!anyDigit)
        {
            error = allowSuffix ? $"invalid size '{original}'" : $"invalid number '{original}'";
            return false;
        }
        if (shift != 0)
        {
            if (value > ulong.MaxValue >> shift)
            {
                error = $"size '{original}' does not fit in 64 bits";
                return false;
            }
            value <<= shift;
        }
        return true;
    }
}
