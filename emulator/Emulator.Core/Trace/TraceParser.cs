using System.Text;
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

    private TraceParser(string file) => _file = file;

    /// <summary>Parses a whole trace.</summary>
    /// <param name="path">Used only in error messages.</param>
    /// <param name="text">The whole file (LF or CRLF line ends; a leading BOM is skipped).</param>
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
            if (nl < 0)
            {
                break;
            }
        }
        if (!parser._sawHeader && parser._errors.Count == 0)
        {
            parser._errors.Add(new TraceError(path, 1, 1, "missing 'trace 1' header"));
        }
        return new ParseResult(parser._statements, parser._errors);
    }

    /// <summary>Parses a whole trace read from <paramref name="reader"/>.</summary>
    public static ParseResult Parse(string path, TextReader reader) => Parse(path, reader.ReadToEnd());

    /// <summary>Reads and parses a file; bytes that are not UTF-8 are a parse error, not an exception.</summary>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static ParseResult ParseFile(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return Parse(path, new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes));
        }
        catch (DecoderFallbackException e)
        {
            int index = Math.Max(e.Index, 0);
            int line = 1, lineStart = 0;
            for (int i = 0; i < index && i < bytes.Length; i++)
            {
                if (bytes[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new ParseResult([], [new TraceError(path, line, index - lineStart + 1, "invalid UTF-8")]);
        }
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

    private void Error(int tokenIndex, string message) =>
        _errors.Add(new TraceError(_file, _lineNumber, ColumnOf(tokenIndex), message));

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
