using System.Globalization;

namespace Emulator.Core.Text;

/// <summary>How much of one input the emulator reads before it refuses it: the whole input and each
/// line, in bytes. Every reader of user files is bounded by one of these, so no input — /dev/zero, a
/// multi-gigabyte file, a pipe that never ends — makes memory grow without limit.</summary>
/// <remarks>
/// <para>Defaults (docs/design/hardening.md § Limits): traces 256 MiB with 1 MiB lines, strace logs
/// 1 GiB with 1 MiB lines, hw-config.yaml 1 MiB with 64 KiB lines. A user with a legitimately larger
/// input raises the limit with the environment variable <c>EMULATOR_MAX_TRACE</c>,
/// <c>EMULATOR_MAX_STRACE</c> or <c>EMULATOR_MAX_CONFIG</c> (a size: <c>2G</c>, <c>512M</c>, bytes), up
/// to <see cref="Ceiling"/>.</para>
/// <para>What a reader keeps per line is bounded too (the parsers keep statements, not text), so memory
/// is the limit plus what the parsed content costs.</para>
/// </remarks>
/// <param name="Kind">What the input is (named in the refusal).</param>
/// <param name="MaxBytes">Bytes read at most; one more is a located error.</param>
/// <param name="MaxLineBytes">Bytes of one line at most (its LF excluded).</param>
public sealed record InputLimits(InputKind Kind, long MaxBytes, int MaxLineBytes)
{
    /// <summary>The most any limit may be raised to: line numbers and columns stay in 32 bits.</summary>
    public const long Ceiling = int.MaxValue;

    /// <summary>The environment variable that overrides <see cref="MaxBytes"/> for <paramref name="kind"/>.</summary>
    public static string EnvironmentVariable(InputKind kind) => kind switch
    {
        InputKind.Trace => "EMULATOR_MAX_TRACE",
        InputKind.StraceLog => "EMULATOR_MAX_STRACE",
        _ => "EMULATOR_MAX_CONFIG",
    };

    /// <summary>The built-in limits for <paramref name="kind"/>.</summary>
    public static InputLimits Default(InputKind kind) => kind switch
    {
        InputKind.Trace => new(kind, 256L << 20, 1 << 20),
        InputKind.StraceLog => new(kind, 1L << 30, 1 << 20),
        _ => new(kind, 1L << 20, 64 << 10),
    };

    /// <summary>The limits for <paramref name="kind"/>: the defaults, with <see cref="MaxBytes"/> taken
    /// from the environment when its variable is set to a valid size.</summary>
    /// <param name="kind">The input kind.</param>
    /// <param name="warning">Set when the variable is present but not a size in 1..<see cref="Ceiling"/>
    /// (the default is used then); null otherwise.</param>
    public static InputLimits For(InputKind kind, out string? warning)
    {
        warning = null;
        var limits = Default(kind);
        string name = EnvironmentVariable(kind);
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
        {
            return limits;
        }
        if (!TryParseSize(text, out long bytes) || bytes < 1 || bytes > Ceiling)
        {
            warning = $"{name}={SafeText.Escape(text)} ignored: expected a size 1..{Ceiling} (bytes, or with K, M or G)";
            return limits;
        }
        return limits with { MaxBytes = bytes };
    }

    /// <summary><see cref="For(InputKind, out string?)"/> without the warning.</summary>
    public static InputLimits For(InputKind kind) => For(kind, out _);

    /// <summary>"trace", "strace log", "hw-config.yaml": for messages.</summary>
    public string KindName => Kind switch
    {
        InputKind.Trace => "trace",
        InputKind.StraceLog => "strace log",
        InputKind.Executable => "executable",
        _ => "hw-config.yaml",
    };

    /// <summary><see cref="KindName"/> with its article ("a trace", "an executable").</summary>
    public string KindWithArticle => (Kind == InputKind.Executable ? "an " : "a ") + KindName;

    /// <summary>The refusal of an input larger than <see cref="MaxBytes"/>.</summary>
    public string TooLargeMessage(long? actual = null) =>
        (actual is long a
            ? string.Create(CultureInfo.InvariantCulture, $"input is {FormatSize(a)}, ")
            : "input is ")
        + $"larger than the {FormatSize(MaxBytes)} limit for a {KindName} (raise it with {EnvironmentVariable(Kind)}=SIZE, up to {FormatSize(Ceiling)})";

    /// <summary>The refusal of a line longer than <see cref="MaxLineBytes"/>.</summary>
    public string LineTooLongMessage =>
        $"line longer than {FormatSize(MaxLineBytes)} (a {KindName} line is at most that long; is this the right file?)";

    /// <summary>Bytes with a binary unit: "256 MiB", "1.5 GiB", "100 bytes".</summary>
    public static string FormatSize(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30} GiB"),
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):0.0} GiB"),
        >= 1L << 20 when bytes % (1L << 20) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):0.0} MiB"),
        >= 1L << 10 when bytes % (1L << 10) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 10} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };

    private static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        ReadOnlySpan<char> s = text.AsSpan().Trim();
        int shift = 0;
        if (s.Length > 1)
        {
            shift = char.ToUpperInvariant(s[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, _ => 0 };
            if (shift != 0)
            {
                s = s[..^1];
            }
        }
        if (!long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n > (long.MaxValue >> shift))
        {
            return false;
        }
        bytes = n << shift;
        return true;
    }
}
