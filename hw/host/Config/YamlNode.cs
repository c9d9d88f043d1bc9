using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Emulator.Board.Config;

/// <summary>A YAML node with its position: the small tree the loader validates.</summary>
/// <remarks>
/// Built from YamlDotNet's event <see cref="Parser"/> rather than <c>YamlStream</c>, because
/// <c>YamlStream</c> stops at the first duplicated key (an exception) and we report every error.
/// An alias shares its anchor's node; nothing is copied, so alias chains cannot blow up.
/// </remarks>
internal abstract class YamlNode(Mark start)
{
    public int Line { get; } = (int)Math.Min(start.Line, int.MaxValue);

    public int Column { get; } = (int)Math.Min(start.Column, int.MaxValue);

    /// <summary>"a mapping", "a sequence", "a scalar": for "must be X, got Y" messages.</summary>
    public abstract string Kind { get; }

    internal sealed class Scalar(Mark start, string value, ScalarStyle style) : YamlNode(start)
    {
        public string Value { get; } = value;

        /// <summary>A plain <c>~</c>, <c>null</c> or nothing: YAML's null. A quoted <c>""</c> is not.</summary>
        public bool IsNull { get; } = style == ScalarStyle.Plain && value is "" or "~" or "null" or "Null" or "NULL";

        public override string Kind => IsNull ? "nothing" : $"'{Value}'";
    }

    internal sealed class Mapping(Mark start) : YamlNode(start)
    {
        /// <summary>In file order, duplicates included (the loader reports them).</summary>
        public List<(YamlNode Key, YamlNode Value)> Entries { get; } = [];

        public override string Kind => "a mapping";
    }

    internal sealed class Sequence(Mark start) : YamlNode(start)
    {
        public List<YamlNode> Items { get; } = [];

        public override string Kind => "a list";
    }
}
