using System.Text;
using Emulator.Core.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Emulator.Board.Config;

/// <summary>Reads hw-config.yaml (docs/hw-config.md) into an <see cref="HwConfig"/>, or into every
/// error the file holds, each naming its line and column.</summary>
/// <remarks>
/// <para>Malformed YAML, unknown or duplicated keys, wrong types, out-of-range values and a section
/// the chosen backend needs but the file lacks are all <see cref="HwConfigError"/> values. Only host
/// I/O (<see cref="Load(string, BackendKind?)"/>: file missing, unreadable) throws.</para>
/// <para>A YAML syntax error stops the parse, so it is the only error reported; every other kind is
/// collected and all of them are reported.</para>
/// </remarks>
public static partial class HwConfigLoader
{
    /// <summary>Nesting deeper than this is an error, so a hostile file cannot exhaust the stack.</summary>
    private const int MaxDepth = 32;

    /// <summary>Reads and checks a file. Bytes that are not UTF-8 are an error value, not an exception.</summary>
    /// <param name="path">The file; also the name used in errors.</param>
    /// <param name="backendOverride">The command line's <c>--backend</c>, when given: it replaces the
    /// file's <c>backend:</c> before the checks that depend on the backend run.</param>
    /// <exception cref="IOException">Host I/O failed (includes <see cref="FileNotFoundException"/>).</exception>
    /// <exception cref="UnauthorizedAccessException">The file may not be read.</exception>
    public static HwConfigResult Load(string path, BackendKind? backendOverride = null)
    {
        var limits = InputLimits.For(InputKind.HwConfig);
        using Stream? stream = InputFile.TryOpen(path, limits, out string? refused);
        if (stream is null)
        {
            return new HwConfigResult(null, [new HwConfigError(path, 1, 1, refused!)]);
        }
        return Load(stream, path, backendOverride, limits);
    }

    /// <summary>Reads and checks a hw-config.yaml from <paramref name="stream"/> within
    /// <paramref name="limits"/> (a config is small: 1 MiB by default). Over a limit, or bytes that are
    /// not UTF-8, is an error value at its position.</summary>
    /// <param name="stream">The file's bytes; not disposed.</param>
    /// <param name="fileName">Used in errors only.</param>
    /// <param name="backendOverride">As for <see cref="Load(string, BackendKind?)"/>.</param>
    /// <param name="limits">Null for <see cref="InputLimits.For(InputKind)"/> of configs.</param>
    /// <exception cref="IOException">Host I/O failed.</exception>
    public static HwConfigResult Load(Stream stream, string fileName, BackendKind? backendOverride = null, InputLimits? limits = null)
    {
        var lines = new BoundedLineReader(stream, limits ?? InputLimits.For(InputKind.HwConfig));
        var text = new StringBuilder();
        while (lines.TryReadLine(out ReadOnlySpan<char> line))
        {
            text.Append(line).Append('\n');
        }
        if (lines.Error is { } error)
        {
            return new HwConfigResult(null, [new HwConfigError(fileName, error.Line, error.Column, error.Message)]);
        }
        return Parse(text.ToString(), fileName, backendOverride);
    }

    /// <summary>Checks the text of a hw-config.yaml file. An empty file (or one holding only comments)
    /// is <see cref="HwConfig.Default"/>.</summary>
    /// <param name="text">The whole file; a leading byte-order mark is ignored.</param>
    /// <param name="fileName">Used in errors only.</param>
    /// <param name="backendOverride">As for <see cref="Load(string, BackendKind?)"/>.</param>
    public static HwConfigResult Parse(string text, string fileName, BackendKind? backendOverride = null)
    {
        var errors = new List<HwConfigError>();
        YamlNode? root;
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }
        var positions = new LinePositions(text);
        var parser = new MarkedParser(new Parser(new StringReader(text)));
        // A syntax error leaves the parser unable to go on; what was read so far would only produce
        // follow-on noise ("missing ..."), so it is the one error reported.
        try
        {
            root = ReadDocument(parser, fileName, errors, positions);
        }
        catch (YamlException e)
        {
            (int line, int column) = Locate(e, text, positions);
            return new HwConfigResult(null, [new HwConfigError(fileName, line, column, SafeText.Message("invalid YAML: " + e.Message))]);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet 16.3's scanner throws InvalidOperationException on some malformed plain scalars
            // (an unclosed '[' before a comment in block context), and ArgumentException for a tag that
            // is not a URI ("!!str[1"), instead of a YamlException. Found by the mutation test and the
            // fuzzer (tests/Fuzz/regressions/yaml); the position is the end of the last event it did produce.
            (int line, int column) = positions.Locate(parser.LastEnd.Index);
            return new HwConfigResult(null, [new HwConfigError(fileName, line, column,
                SafeText.Message($"invalid YAML near here (the parser failed: {e.Message})"))]);
        }
        var reader = new SectionReader(fileName, errors);
        HwConfig config = reader.ReadRoot(root, backendOverride);
        // Stable, so two errors at one position keep the order they were found in.
        return new HwConfigResult(config, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
    }

    /// <summary>The single document of the stream as a tree; null for an empty stream.</summary>
    /// <exception cref="YamlException">The YAML is malformed.</exception>
    private static YamlNode? ReadDocument(IParser parser, string fileName, List<HwConfigError> errors, LinePositions positions)
    {
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _))
        {
            return null;
        }
        parser.Consume<DocumentStart>();
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        YamlNode root = ReadNode(parser, anchors, depth: 0, positions);
        parser.Consume<DocumentEnd>();
        if (parser.Current is DocumentStart second)
        {
            (int line, int column) = positions.Locate(second.Start.Index);
            errors.Add(new HwConfigError(fileName, line, column, "a second YAML document; hw-config.yaml holds one"));
        }
        return root;
    }

    private static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors, int depth, LinePositions positions)
    {
        ParsingEvent? current = parser.Current;
        if (depth > MaxDepth)
        {
            throw new YamlException(current!.Start, current.End, $"nesting deeper than {MaxDepth} levels");
        }
        YamlNode node;
        switch (current)
        {
            case Scalar scalar:
                parser.MoveNext();
                node = new YamlNode.Scalar(positions.Locate(scalar.Start.Index), scalar.Value, scalar.Style);
                Remember(scalar, node);
                return node;
            case MappingStart start:
                parser.MoveNext();
                var mapping = new YamlNode.Mapping(positions.Locate(start.Start.Index));
                Remember(start, mapping);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    YamlNode key = ReadNode(parser, anchors, depth + 1, positions);
                    YamlNode value = ReadNode(parser, anchors, depth + 1, positions);
                    mapping.Entries.Add((key, value));
                }
                return mapping;
            case SequenceStart start:
                parser.MoveNext();
                var sequence = new YamlNode.Sequence(positions.Locate(start.Start.Index));
                Remember(start, sequence);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    sequence.Items.Add(ReadNode(parser, anchors, depth + 1, positions));
                }
                return sequence;
            case AnchorAlias alias:
                parser.MoveNext();
                if (anchors.TryGetValue(alias.Value.Value, out YamlNode? target))
                {
                    return target;
                }
                throw new YamlException(alias.Start, alias.End, $"alias *{alias.Value.Value} names no anchor before it");
            default:
                // The parser only yields node events here; anything else is a YamlDotNet surprise.
                throw new YamlException(current?.Start ?? Mark.Empty, current?.End ?? Mark.Empty, $"unexpected {current?.GetType().Name ?? "end of input"}");
        }

        void Remember(NodeEvent e, YamlNode n)
        {
            if (!e.Anchor.IsEmpty)
            {
                anchors[e.Anchor.Value] = n;
            }
        }
    }

    /// <summary>Where a YAML error is, counting LF only. YamlDotNet's own mark, except for a tab in
    /// indentation, which it reports at the start of the enclosing mapping (often line 1): that one is
    /// moved to the first tab in the indentation of a line at or after the mark.</summary>
    private static (int Line, int Column) Locate(YamlException e, string text, LinePositions positions)
    {
        (int line, int column) = positions.Locate(e.Start.Index);
        if (!e.Message.Contains("tab", StringComparison.Ordinal))
        {
            return (line, column);
        }
        string[] lines = text.Split('\n');
        for (int i = line - 1; i < lines.Length; i++)
        {
            string l = lines[i];
            int indent = l.Length - l.TrimStart(' ', '\t').Length;
            int tab = l.IndexOf('\t', 0, indent);
            if (tab >= 0)
            {
                return (i + 1, tab + 1);
            }
        }
        return (line, column);
    }


    /// <summary>A parser that remembers where the last event it produced ended, to place errors its
    /// inner parser fails to place.</summary>
    private sealed class MarkedParser(IParser inner) : IParser
    {
        public Mark LastEnd { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
            {
                LastEnd = current.End;
            }
            return inner.MoveNext();
        }
    }
}
