namespace Emulator.Board.Config;

/// <summary>The scalar syntaxes of hw-config.yaml. Each returns false with a message (without the
/// key's name or position) when the text is not valid.</summary>
internal static class ConfigSyntax
{
    /// <summary>Decimal or <c>0x</c> hex, <c>_</c> allowed between digits; with
    /// <paramref name="allowSizeSuffix"/>, a trailing <c>K</c> or <c>M</c> multiplies by 1024 or 1024².</summary>
    public static bool TryParseNumber(string text, bool allowSizeSuffix, out long value, out string error)
    {
        value = 0;
        error = "";
        ReadOnlySpan<char> digits = text.AsSpan().Trim();
        int shift = 0;
        if (allowSizeSuffix && digits.Length > 1)
        {
            shift = digits[^1] switch { 'K' => 10, 'M' => 20, _ => 0 };
            if (shift != 0)
            {
                digits = digits[..^1];
            }
        }
        int radix = 10;
        if (digits.StartsWith("0x") || digits.StartsWith("0X"))
        {
            radix = 16;
            digits = digits[2..];
        }
        bool any = false;
        bool lastWasDigit = false;
        foreach (char c in digits)
        {
            if (c == '_' && lastWasDigit)
            {
                lastWasDigit = false;
                continue;
            }
            int d = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' when radix == 16 => c - 'a' + 10,
                >= 'A' and <= 'F' when radix == 16 => c - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
            {
                any = false;
                break;
            }
            // Far beyond every range in the file; the range check then reports it.
            if (value > (long.MaxValue >> 32))
            {
                error = $"'{text}' is too large";
                return false;
            }
            value = value * radix + d;
            any = true;
            lastWasDigit = true;
        }
        if (!any || !lastWasDigit)
        {
            error = allowSizeSuffix
                ? $"expected a size (decimal or 0x hex, optionally K or M), got '{text}'"
                : $"expected a number (decimal or 0x hex), got '{text}'";
            return false;
        }
        value <<= shift;
        return true;
    }

    /// <summary>A whole number and a unit, no space: <c>us</c>, <c>ms</c>, <c>s</c>, <c>m</c> (minutes).
    /// Fractions are not accepted: write <c>1500ms</c>, not <c>1.5s</c>.</summary>
    public static bool TryParseDuration(string text, out TimeSpan value, out string error)
    {
        value = default;
        error = "";
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int unitAt = 0;
        while (unitAt < s.Length && char.IsAsciiDigit(s[unitAt]))
        {
            unitAt++;
        }
        ReadOnlySpan<char> unit = s[unitAt..];
        long ticksPerUnit = unit switch
        {
            "us" => TimeSpan.TicksPerMicrosecond,
            "ms" => TimeSpan.TicksPerMillisecond,
            "s" => TimeSpan.TicksPerSecond,
            "m" => TimeSpan.TicksPerMinute,
            _ => 0,
        };
        if (unitAt == 0 || ticksPerUnit == 0)
        {
            error = unitAt == s.Length && unitAt > 0
                ? $"duration '{text}' needs a unit: us, ms, s or m (e.g. 500ms)"
                : $"expected a duration such as 500ms, 2s or 1m (units us, ms, s, m), got '{text}'";
            return false;
        }
        if (unitAt > 9 || !long.TryParse(s[..unitAt], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long count))
        {
            error = $"duration '{text}' is too large";
            return false;
        }
        value = TimeSpan.FromTicks(count * ticksPerUnit);
        return true;
    }

    /// <summary><c>HOST:PORT</c> or <c>[IPV6]:PORT</c>; the port 1..65535.</summary>
    public static bool TryParseTcpAddress(string text, out TcpAddress? value, out string error)
    {
        value = null;
        error = "";
        string host;
        string port;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                error = $"expected [IPV6]:PORT, got '{text}'";
                return false;
            }
            host = text[1..close];
            port = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                error = $"expected HOST:PORT (e.g. 127.0.0.1:7700), got '{text}'";
                return false;
            }
            host = text[..colon];
            port = text[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                error = $"an IPv6 host goes in brackets ([::1]:7700), got '{text}'";
                return false;
            }
        }
        if (host.Length == 0 || host.Any(char.IsWhiteSpace))
        {
            error = $"expected HOST:PORT (e.g. 127.0.0.1:7700), got '{text}'";
            return false;
        }
        if (!int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) || p is < 1 or > 65535)
        {
            error = $"the port must be 1..65535, got '{port}'";
            return false;
        }
        value = new TcpAddress(host, p);
        return true;
    }

    /// <summary>Formats a duration the way the file writes it, for messages.</summary>
    public static string FormatDuration(TimeSpan t) =>
        t.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{t.Ticks / TimeSpan.TicksPerMinute}m"
        : t.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{t.Ticks / TimeSpan.TicksPerSecond}s"
        : t.Ticks % TimeSpan.TicksPerMillisecond == 0 ? $"{t.Ticks / TimeSpan.TicksPerMillisecond}ms"
        : $"{t.Ticks / TimeSpan.TicksPerMicrosecond}us";
}
