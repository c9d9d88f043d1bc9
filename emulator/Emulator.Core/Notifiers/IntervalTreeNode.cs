using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Notifiers;

/// <summary>
/// One interval of an <see cref="IntervalTree{T}"/>: created by <see cref="IntervalTree{T}.Insert"/>
/// and kept by the caller to remove it again (Linux embeds <c>struct interval_tree_node</c> in its
/// owner the same way).
/// </summary>
/// <remarks>
/// Kept in this file, against the one-public-type-per-file rule, because the node is the tree's
/// intrusive link record: its link fields are internal state of <see cref="IntervalTree{T}"/> and
/// are only meaningful read together with it. Bounds and value never change; a node is not reused
/// after removal.
/// </remarks>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class IntervalTreeNode<T> where T : class
{
    internal IntervalTreeNode<T>? Left;
    internal IntervalTreeNode<T>? Right;
    internal IntervalTreeNode<T>? Parent;

    /// <summary>Largest <see cref="Last"/> in the left subtree; 0 when there is none.</summary>
    internal ulong LeftLast;

    /// <summary>Largest <see cref="Last"/> in the right subtree; 0 when there is none.</summary>
    internal ulong RightLast;

    /// <summary>Start of the next node in order, or <see cref="NoNextStart"/> for the last node.</summary>
    /// <remarks>Only ever used to prune (later nodes start at or after it), so the sentinel being a
    /// valid Start merely disables pruning for a range that reaches ulong.MaxValue.</remarks>
    internal ulong NextStart;

    internal const ulong NoNextStart = ulong.MaxValue;

    internal bool Red;

    /// <summary>The tree holding the node; null once removed or cleared.</summary>
    internal IntervalTree<T>? Tree;

    internal IntervalTreeNode(ulong start, ulong last, T value)
    {
        Start = start;
        Last = last;
        Value = value;
    }

    /// <summary>Largest <see cref="Last"/> in the subtree rooted here (Linux <c>__subtree_last</c>).</summary>
    internal ulong SubtreeLast => Math.Max(Last, Math.Max(LeftLast, RightLast));

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
