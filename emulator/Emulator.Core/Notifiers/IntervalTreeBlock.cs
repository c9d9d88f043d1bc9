using System.Runtime.CompilerServices;

namespace Emulator.Core.Notifiers;

/// <summary>
/// One block of an <see cref="IntervalTree{T}"/>: up to <see cref="Capacity"/> intervals in Start
/// order (a leaf), or up to <see cref="Capacity"/> child blocks with a summary of each (an inner block).
/// </summary>
/// <remarks>
/// The arrays are inline (<see cref="InlineArrayAttribute"/>), so a block is one object: a query reads
/// a block's summaries from a few adjacent cache lines that the CPU fetches in parallel, and only the
/// step to the next level is a dependent load.
/// </remarks>
/// <typeparam name="T">The tree's payload type.</typeparam>
internal sealed class IntervalTreeBlock<T> where T : class
{
    /// <summary>Most entries (leaf) or children (inner block) a block holds.</summary>
    internal const int Capacity = 16;

    /// <summary>A non-root block below this after a removal is merged with, or borrows from, a sibling.</summary>
    internal const int MinFill = Capacity / 2;

    internal IntervalTreeBlock(bool isLeaf) => IsLeaf = isLeaf;

    /// <summary>True for a block of intervals; false for a block of child blocks.</summary>
    internal readonly bool IsLeaf;

    /// <summary>Entries or children in use: slots 0..Count-1.</summary>
    internal int Count;

    /// <summary>The inner block holding this one; null for the root.</summary>
    internal IntervalTreeBlock<T>? Parent;

    /// <summary>Leaf: Start of entry i. Inner block: the smallest Start in child i (its first entry's).</summary>
    internal IntervalTreeWords Starts;

    /// <summary>Leaf: Last of entry i. Inner block: the largest Last in child i's subtree.</summary>
    internal IntervalTreeWords Lasts;

    /// <summary>Leaf: the <see cref="IntervalTreeNode{T}"/> of entry i. Inner block: child block i.</summary>
    internal IntervalTreeRefs Items;

    /// <summary>Leaf: the value of entry i, a copy of its node's, so a walk that only needs values never
    /// loads the node. Unused in an inner block.</summary>
    internal IntervalTreeRefs Values;

    internal IntervalTreeNode<T> Node(int i) => Unsafe.As<IntervalTreeNode<T>>(Items[i]!);

    internal IntervalTreeBlock<T> Child(int i) => Unsafe.As<IntervalTreeBlock<T>>(Items[i]!);

    internal T Value(int i) => Unsafe.As<T>(Values[i]!);

    /// <summary>The largest Last in the block's subtree.</summary>
    internal ulong MaxLast()
    {
        ulong max = 0;
        for (int i = 0; i < Count; i++)
        {
            max = Math.Max(max, Lasts[i]);
        }
        return max;
    }

    /// <summary>The slot of <paramref name="child"/> in this inner block.</summary>
    internal int IndexOf(IntervalTreeBlock<T> child)
    {
        for (int i = 0; i < Count; i++)
        {
            if (ReferenceEquals(Items[i], child))
            {
                return i;
            }
        }
        throw new InvalidOperationException("interval-tree block is not a child of its parent");
    }

    /// <summary>Copies slot <paramref name="from"/> of <paramref name="source"/> to slot
    /// <paramref name="to"/> of this block and relinks what it holds (a node's leaf and index, or a
    /// child's parent).</summary>
    internal void Take(int to, IntervalTreeBlock<T> source, int from)
    {
        Starts[to] = source.Starts[from];
        Lasts[to] = source.Lasts[from];
        var item = source.Items[from]!;
        Items[to] = item;
        if (IsLeaf)
        {
            Values[to] = source.Values[from];
            var node = Unsafe.As<IntervalTreeNode<T>>(item);
            node.Leaf = this;
            node.Index = to;
        }
        else
        {
            Unsafe.As<IntervalTreeBlock<T>>(item).Parent = this;
        }
    }

    /// <summary>Drops the references of slot <paramref name="i"/> (past Count) so the GC does not keep them.</summary>
    internal void ClearSlot(int i)
    {
        Items[i] = null;
        Values[i] = null;
    }
}

/// <summary><see cref="IntervalTreeBlock{T}.Capacity"/> words stored inline.</summary>
[InlineArray(IntervalTreeBlock<object>.Capacity)]
internal struct IntervalTreeWords
{
    private ulong _element;
}

/// <summary><see cref="IntervalTreeBlock{T}.Capacity"/> references stored inline.</summary>
[InlineArray(IntervalTreeBlock<object>.Capacity)]
internal struct IntervalTreeRefs
{
    private object? _element;
}
