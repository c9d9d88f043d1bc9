namespace Emulator.Core.Notifiers;

/// <summary>
/// One interval of an <see cref="IntervalTree{T}"/>: created by <see cref="IntervalTree{T}.Insert"/>
/// and kept by the caller to remove it again (Linux embeds <c>struct interval_tree_node</c> in its
/// owner the same way).
/// </summary>
/// <remarks>
/// The node knows where the tree keeps it (its leaf block and slot), so <see cref="IntervalTree{T}.Remove"/>
/// and <see cref="IntervalTree{T}.Next"/> start there without a search. Bounds and value never change;
/// a node is not reused after removal.
/// </remarks>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class IntervalTreeNode<T> where T : class
{
    /// <summary>The tree holding the node; null once removed or cleared.</summary>
    internal IntervalTree<T>? Tree;

    /// <summary>The leaf block holding the node while it is in the tree. Written by the tree's writers only.</summary>
    internal IntervalTreeBlock<T>? Leaf;

    /// <summary>The node's slot in <see cref="Leaf"/>.</summary>
    internal int Index;

    internal IntervalTreeNode(ulong start, ulong last, T value)
    {
        Start = start;
        Last = last;
        Value = value;
    }

    /// <summary>First value covered.</summary>
    public ulong Start { get; }

    /// <summary>Last value covered (inclusive).</summary>
    public ulong Last { get; }

    /// <summary>The payload given to <see cref="IntervalTree{T}.Insert"/>.</summary>
    public T Value { get; }

    /// <summary>True from <see cref="IntervalTree{T}.Insert"/> until <see cref="IntervalTree{T}.Remove"/> or <see cref="IntervalTree{T}.Clear"/>.</summary>
    /// <remarks>Read it under the same exclusion as the tree's writers.</remarks>
    public bool IsInTree => Tree is not null;
}
