using Emulator.Core.Text;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// <c>emulator trace import-strace</c>: converts an <c>strace -f -e trace=%memory,%process</c> log
/// into a v1 trace (docs/strace-import.md) that replays on the emulated mm.
/// </summary>
/// <remarks>
/// <para>Two passes. The first parses every line (<see cref="StraceLineParser"/>), joins each pid's
/// <c>&lt;unfinished ...&gt;</c> half with its <c>&lt;... resumed&gt;</c> half, counts unknown
/// syscalls, and collects every malformed line; a log with any malformed line converts to nothing,
/// so the user sees all the errors at once and no partial trace. The second pass
/// (<see cref="StraceConverter"/>) turns the calls into statements.</para>
/// <para>A joined call sits at its <c>resumed</c> line: that is when its result, and so its effect,
/// is known.</para>
/// </remarks>
public static partial class StraceImporter
{
    /// <summary>Malformed lines reported at most; a log with more is not an strace log with mistakes,
    /// and the rest is not read.</summary>
    public const int MaxErrors = 100;

    /// <summary>Converts a whole log held in memory.</summary>
    /// <exception cref="ArgumentException">The device name is not a trace name, or the probe count is negative.</exception>
    public static StraceImportResult Import(ReadOnlySpan<char> text, StraceImportOptions? options = null)
    {
        var pass = new FirstPass(Check(options));
        if (!text.IsEmpty && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        int lineNumber = 0;
        while (!text.IsEmpty && !pass.GaveUp)
        {
            int nl = text.IndexOf('\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }
            pass.Line(++lineNumber, line);
        }
        return pass.Finish(lineNumber);
    }

    /// <summary>Converts a log read from <paramref name="stream"/> (UTF-8) a line at a time within
    /// <paramref name="limits"/>: memory holds one line and the parsed calls, whatever the input.</summary>
    /// <param name="stream">The log; not disposed.</param>
    /// <param name="options">As for <see cref="Import(ReadOnlySpan{char}, StraceImportOptions?)"/>.</param>
    /// <param name="limits">Null for <see cref="InputLimits.For(InputKind)"/> of strace logs.</param>
    /// <exception cref="ArgumentException">As for <see cref="Import(ReadOnlySpan{char}, StraceImportOptions?)"/>.</exception>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static StraceImportResult Import(Stream stream, StraceImportOptions? options = null, InputLimits? limits = null) =>
        Import(new BoundedLineReader(stream, limits ?? InputLimits.For(InputKind.StraceLog)), options);

    /// <summary>Converts a log read from <paramref name="reader"/> within <paramref name="limits"/>
    /// (counted in UTF-8 bytes).</summary>
    /// <exception cref="ArgumentException">As for <see cref="Import(ReadOnlySpan{char}, StraceImportOptions?)"/>.</exception>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static StraceImportResult Import(TextReader reader, StraceImportOptions? options = null, InputLimits? limits = null) =>
        Import(new BoundedLineReader(reader, limits ?? InputLimits.For(InputKind.StraceLog)), options);

    private static StraceImportResult Import(BoundedLineReader lines, StraceImportOptions? options)
    {
        var pass = new FirstPass(Check(options));
        while (!pass.GaveUp && lines.TryReadLine(out ReadOnlySpan<char> line))
        {
            pass.Line(lines.LineNumber, line);
        }
        if (lines.Error is { } error)
        {
            return pass.Refuse(new StraceError(error.Line, error.Column, error.Message), lines.LineNumber);
        }
        return pass.Finish(lines.LineNumber);
    }

    /// <summary>Reads and converts a log file as <see cref="Import(Stream, StraceImportOptions?, InputLimits?)"/>
    /// does. A device, directory or socket, or a file over the limit, is an error at 1:1. Bytes that
    /// are not UTF-8 are an error at their position (strace escapes non-ASCII in strings, so a log
    /// never has them).</summary>
    /// <exception cref="ArgumentException">As for <see cref="Import(ReadOnlySpan{char}, StraceImportOptions?)"/>.</exception>
    /// <exception cref="IOException">Host I/O failed (includes <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static StraceImportResult ImportFile(string path, StraceImportOptions? options = null, InputLimits? limits = null)
    {
        limits ??= InputLimits.For(InputKind.StraceLog);
        using Stream? stream = InputFile.TryOpen(path, limits, out string? refused);
        if (stream is null)
        {
            return new FirstPass(Check(options)).Refuse(new StraceError(1, 1, refused!), 0);
        }
        return Import(stream, options, limits);
    }

    private static StraceImportOptions Check(StraceImportOptions? options)
    {
        options ??= new StraceImportOptions();
        if (options.Device is { } device && !IsValidName(device))
        {
            throw new ArgumentException($"invalid device name '{SafeText.Escape(device)}': names match [a-z][a-z0-9_]*", nameof(options));
        }
        if (options.DmaProbes < 0)
        {
            throw new ArgumentException($"the probe count must not be negative, got {options.DmaProbes}", nameof(options));
        }
        return options;
    }

    /// <summary>True when <paramref name="name"/> is a valid trace name (<c>[a-z][a-z0-9_]*</c>).</summary>
    public static bool IsValidName(string name) => TraceNames.IsName(name);

    internal static void Count(Dictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;
}
