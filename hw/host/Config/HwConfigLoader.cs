using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Emulator.Board.Config;

/// <summary>Reads hw-config.yaml (docs/hw-config.md) into an <see cref="HwConfig"/>, or into every
/// error the file holds, each naming its line and column.</summary>
/// <remarks>
/// <para>Malformed YAML, unknown or duplicated keys, wrong types, out-of-range values and a section
/// the chosen backend needs but the file lacks are all <see cref="HwConfigError"/> values. Only host
/// I/O (<see cref="Load"/>: file missing, unreadable) throws.</para>
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
        byte[] bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            int index = Math.Clamp(e.Index, 0, bytes.Length);
            int line = 1, lineStart = 0;
            for (int i = 0; i < index; i++)
            {
                if (bytes[i] == '\n')
                {
                    line++;
                    lineStart = i + 1;
                }
            }
            return new HwConfigResult(null, [new HwConfigError(path, line, index - lineStart + 1, "invalid UTF-8")]);
        }
        return Parse(text, path, backendOverride);
    }

    /// <summary>Checks the text of a hw-config.yaml file. An empty file (or one holding only comments)
    /// is <see cref="HwConfig.Default"/>.</summary>
    /// <param name="text">The whole file; a leading byte-order mark is ignored.</param>
    /// <param name="fileName">Used in errors only.</param>
    /// <param name="backendOverride">As for <see cref="Load"/>.</param>
    public static HwConfigResult Parse(string text, string fileName, BackendKind? backendOverride = null)
    {
        var errors = new List<HwConfigError>();
        YamlNode? root;
        if (text.StartsWith('\uFEFF'))
        {
            text = text[1..];
        }
        var parser = new MarkedParser(new Parser(new StringReader(text)));
        // A syntax error leaves the parser unable to go on; what was read so far would only produce
        // follow-on noise ("missing ..."), so it is the one error reported.
        try
        {
            root = ReadDocument(parser, fileName, errors);
        }
        catch (YamlException e)
        {
            (int line, int column) = Locate(e, text);
            return new HwConfigResult(null, [new HwConfigError(fileName, line, column, "invalid YAML: " + e.Message)]);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet 16.3's scanner throws this on some malformed plain scalars (an unclosed '['
            // before a comment in block context) instead of a YamlException. Found by the mutation
            // test; the position is the end of the last event it did produce.
            return new HwConfigResult(null, [new HwConfigError(fileName, Clamp(parser.LastEnd.Line), Clamp(parser.LastEnd.Column),
                $"invalid YAML near here (the parser failed: {e.Message})")]);
        }
        var reader = new SectionReader(fileName, errors);
        HwConfig config = reader.ReadRoot(root, backendOverride);
        // Stable, so two errors at one position keep the order they were found in.
        return new HwConfigResult(config, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)]);
    }

    /// <summary>The single document of the stream as a tree; null for an empty stream.</summary>
    /// <exception cref="YamlException">The YAML is malformed.</exception>
    private static YamlNode? ReadDocument(IParser parser, string fileName, List<HwConfigError> errors)
    {
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _))
        {
            return null;
        }
        parser.Consume<DocumentStart>();
        var anchors = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        YamlNode root = ReadNode(parser, anchors, depth: 0);
        parser.Consume<DocumentEnd>();
        if (parser.Current is DocumentStart second)
        {
            errors.Add(new HwConfigError(fileName, Clamp(second.Start.Line), Clamp(second.Start.Column),
                "a second YAML document; hw-config.yaml holds one"));
        }
        return root;
    }

    private static YamlNode ReadNode(IParser parser, Dictionary<string, YamlNode> anchors, int depth)
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
                node = new YamlNode.Scalar(scalar.Start, scalar.Value, scalar.Style);
                Remember(scalar, node);
                return node;
            case MappingStart start:
                parser.MoveNext();
                var mapping = new YamlNode.Mapping(start.Start);
                Remember(start, mapping);
                while (!parser.TryConsume<MappingEnd>(out _))
                {
                    YamlNode key = ReadNode(parser, anchors, depth + 1);
                    YamlNode value = ReadNode(parser, anchors, depth + 1);
                    mapping.Entries.Add((key, value));
                }
                return mapping;
            case SequenceStart start:
                parser.MoveNext();
                var sequence = new YamlNode.Sequence(start.Start);
                Remember(start, sequence);
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    sequence.Items.Add(ReadNode(parser, anchors, depth + 1));
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

    /// <summary>Where a YAML error is. YamlDotNet's own mark, except for a tab in indentation, which
    /// it reports at the start of the enclosing mapping (often line 1): that one is moved to the first
    /// tab in the indentation of a line at or after the mark.</summary>
    private static (int Line, int Column) Locate(YamlException e, string text)
    {
        int line = Clamp(e.Start.Line), column = Clamp(e.Start.Column);
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

    private static int Clamp(long value) => (int)Math.Clamp(value, 1, int.MaxValue);

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
