using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Emulator.Board.Config;

/// <summary>A YAML node with its position: the small tree the loader validates.</summary>
/// <remarks>
/// Built from YamlDotNet's event <see cref="Parser"/> rather than <c>YamlStream</c>, because
/// <c>YamlStream</c> stops at the first duplicated key (an exception) and we report every error.
/// An alias shares its anchor's node; nothing is copied, so alias chains cannot blow up.
/// </remarks>
internal abstract class YamlNode((int Line, int Column) start)
{
    /// <summary>1-based, counting LF only (<see cref="Emulator.Core.Text.LinePositions"/>).</summary>
    public int Line { get; } = start.Line;

    public int Column { get; } = start.Column;

    /// <summary>"a mapping", "a sequence", "a scalar": for "must be X, got Y" messages.</summary>
    public abstract string Kind { get; }

    internal sealed class Scalar((int Line, int Column) start, string value, ScalarStyle style) : YamlNode(start)
    {
        public string Value { get; } = value;

        /// <summary>A plain <c>~</c>, <c>null</c> or nothing: YAML's null. A quoted <c>""</c> is not.</summary>
        public bool IsNull { get; } = style == ScalarStyle.Plain && value is "" or "~" or "null" or "Null" or "NULL";

        public override string Kind => IsNull ? "nothing" : $"'{Value}'";
    }

    internal sealed class Mapping((int Line, int Column) start) : YamlNode(start)
    {
        /// <summary>In file order, duplicates included (the loader reports them).</summary>
        public List<(YamlNode Key, YamlNode Value)> Entries { get; } = [];

        public override string Kind => "a mapping";
    }

    internal sealed class Sequence((int Line, int Column) start) : YamlNode(start)
    {
        public List<YamlNode> Items { get; } = [];

        public override string Kind => "a list";
    }
}
