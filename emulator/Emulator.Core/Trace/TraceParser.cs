using Emulator.Core.Text;
using Emulator.Core.Iommu;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace;

/// <summary>Parses trace format v1 (docs/trace-format.md) into typed <see cref="Statement"/>s.</summary>
/// <remarks>Malformed input is reported as <see cref="TraceError"/> values, all of them (the first
/// error of each line, plus the semantic errors of other lines); it never throws. The checks done
/// here are the ones that need no machine: syntax, ranges, the header and <c>machine</c> placement,
/// names used before they are declared, duplicate declarations and SIDs, and that a <c>hex:</c>
/// pattern is exactly SIZE bytes long.</remarks>
public sealed partial class TraceParser
{
    private readonly string _file;
    private readonly List<Statement> _statements = [];
    private readonly List<TraceError> _errors = [];
    private readonly Dictionary<string, int> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<uint, string> _sids = [];
    private readonly List<(int Start, int Length)> _tokens = [];
    /// <summary>The current line's characters (reused: a line costs no allocation).</summary>
    private char[] _line = new char[256];

    /// <summary>Process and device names seen so far, so each costs one string however often it is used.</summary>
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private int _lineNumber;
    private bool _sawHeader;
    private bool _sawOther;
    private int _machineLine;

    /// <summary>Errors reported at most: a file with more is not a trace with mistakes but something
    /// else, and a list of millions would only cost memory.</summary>
    public const int MaxErrors = 100;

    private TraceParser(string file) => _file = file;

    private bool GaveUp => _errors.Count >= MaxErrors;

    /// <summary>Parses a whole trace held in memory.</summary>
    /// <param name="path">Used only in error messages.</param>
    /// <param name="text">The whole file (LF or CRLF line ends; a leading BOM is skipped). Lines end
    /// at LF only, as an editor counts them.</param>
    public static ParseResult Parse(string path, ReadOnlySpan<char> text)
    {
        var parser = new TraceParser(path);
        if (!text.IsEmpty && text[0] == '\uFEFF')
        {
            text = text[1..];
        }
        int lineNumber = 0;
        while (!text.IsEmpty || lineNumber == 0)
        {
            int nl = text.IndexOf('\n');
            ReadOnlySpan<char> line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            if (!line.IsEmpty && line[^1] == '\r')
            {
                line = line[..^1];
            }
            parser.ParseLine(++lineNumber, line);
            if (nl < 0 || parser.GaveUp)
            {
                break;
            }
        }
        return parser.Finish();
    }

    /// <summary>Parses a trace read from <paramref name="reader"/> a line at a time, within
    /// <paramref name="limits"/> (counted in UTF-8 bytes).</summary>
    /// <param name="path">Used only in error messages.</param>
    /// <param name="reader">The text; not disposed.</param>
    /// <param name="limits">Null for <see cref="InputLimits.For(InputKind)"/> of traces.</param>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static ParseResult Parse(string path, TextReader reader, InputLimits? limits = null) =>
        Parse(path, new BoundedLineReader(reader, limits ?? InputLimits.For(InputKind.Trace)));

    /// <summary>Parses a trace read from <paramref name="stream"/> (UTF-8) a line at a time, within
    /// <paramref name="limits"/>: memory holds one line and the statements, whatever the input —
    /// /dev/zero or a pipe that never ends stops at the first limit with a located error.</summary>
    /// <param name="path">Used only in error messages.</param>
    /// <param name="stream">The bytes; not disposed.</param>
    /// <param name="limits">Null for <see cref="InputLimits.For(InputKind)"/> of traces.</param>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static ParseResult Parse(string path, Stream stream, InputLimits? limits = null) =>
        Parse(path, new BoundedLineReader(stream, limits ?? InputLimits.For(InputKind.Trace)));

    private static ParseResult Parse(string path, BoundedLineReader lines)
    {
        var parser = new TraceParser(path);
        while (!parser.GaveUp && lines.TryReadLine(out ReadOnlySpan<char> line))
        {
            parser.ParseLine(lines.LineNumber, line);
        }
        if (lines.Error is { } error)
        {
            // What was parsed so far would only add follow-on errors ("missing header" in a binary file).
            return new ParseResult([], [new TraceError(path, error.Line, error.Column, error.Message)]);
        }
        if (lines.LineNumber == 0)
        {
            parser.ParseLine(1, default);
        }
        return parser.Finish();
    }

    /// <summary>Reads and parses a file as <see cref="Parse(string, Stream, InputLimits?)"/> does. A
    /// device, directory or socket, or a file over the limit, is a parse error at 1:1, not a read.</summary>
    /// <param name="path">The file; also the name used in errors.</param>
    /// <param name="limits">Null for <see cref="InputLimits.For(InputKind)"/> of traces.</param>
    /// <exception cref="IOException">Host I/O failed (includes <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static ParseResult ParseFile(string path, InputLimits? limits = null)
    {
        limits ??= InputLimits.For(InputKind.Trace);
        using Stream? stream = InputFile.TryOpen(path, limits, out string? refused);
        if (stream is null)
        {
            return new ParseResult([], [new TraceError(path, 1, 1, refused!)]);
        }
        return Parse(path, stream, limits);
    }

    private ParseResult Finish()
    {
        if (GaveUp)
        {
            TraceError last = _errors[^1];
            _errors.Add(last with { Message = $"too many errors ({MaxErrors}); the rest of the file was not read" });
        }
        if (!_sawHeader && _errors.Count == 0)
        {
            _errors.Add(new TraceError(_file, 1, 1, "missing 'trace 1' header"));
        }
        return new ParseResult(_statements, _errors);
    }

    private void ParseLine(int lineNumber, ReadOnlySpan<char> line)
    {
        int hash = line.IndexOf('#');
        if (hash >= 0)
        {
            line = line[..hash];
        }
        _tokens.Clear();
        for (int i = 0; i < line.Length;)
        {
            if (line[i] is ' ' or '\t')
            {
                i++;
                continue;
            }
            int start = i;
            while (i < line.Length && line[i] is not (' ' or '\t'))
            {
                i++;
            }
            _tokens.Add((start, i - start));
        }
        if (_tokens.Count == 0)
        {
            return;
        }
        if (_line.Length < line.Length)
        {
            _line = new char[Math.Max(line.Length, _line.Length * 2)];
        }
        line.CopyTo(_line);
        _lineNumber = lineNumber;
        var cursor = new Cursor(this);
        Statement? statement = ParseStatement(ref cursor);
        if (statement is not null)
        {
            _statements.Add(statement with { Line = lineNumber, Column = _tokens[0].Start + 1 });
        }
    }

    private ReadOnlySpan<char> Token(int index) => _line.AsSpan(_tokens[index].Start, _tokens[index].Length);

    /// <summary>The string for a name token, shared by every statement that uses the name.</summary>
    private string Intern(ReadOnlySpan<char> name)
    {
        var lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(name, out string? interned))
        {
            interned = name.ToString();
            _names.Add(interned);
        }
        return interned;
    }

    private int ColumnOf(int index) =>
        index < _tokens.Count ? _tokens[index].Start + 1 : _tokens[^1].Start + _tokens[^1].Length + 1;

    /// <summary>Records an error at a token. Messages quote the input, so they are escaped here, once.</summary>
    private void Error(int tokenIndex, string message) =>
        _errors.Add(new TraceError(_file, _lineNumber, ColumnOf(tokenIndex), SafeText.Message(message)));

    /// <summary>Position in the current line's tokens; every Take* reports its own error and
    /// returns false, after which the line is abandoned.</summary>
    private ref struct Cursor(TraceParser parser)
    {
        public int Index;
        public readonly bool AtEnd => Index >= parser._tokens.Count;
        public readonly ReadOnlySpan<char> Peek => AtEnd ? default : parser.Token(Index);
        public readonly int PeekIndex => Index;
    }
}
