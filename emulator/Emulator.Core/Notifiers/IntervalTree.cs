using System.Diagnostics.CodeAnalysis;

namespace Emulator.Core.Notifiers;

/// <summary>
/// An interval tree over closed intervals [Start, Last] of <see cref="ulong"/>, the job Linux's
/// <c>include/linux/interval_tree_generic.h</c> does: intervals are ordered by Start and the largest
/// Last of every subtree is kept, so finding the k intervals that overlap a range costs O(log n + k).
/// Duplicate and overlapping intervals are allowed.
/// </summary>
/// <typeparam name="T">The payload each interval carries (for the mm, the interval notifier).</typeparam>
/// <remarks>
/// <para>
/// <b>Shape.</b> A B+-tree of <see cref="IntervalTreeBlock{T}"/>s rather than Linux's augmented
/// red-black tree. With many intervals a query's cost is its dependent cache misses, one per level:
/// a red-black tree of 100,000 intervals is about 17 levels deep, this one 5 (16 entries a block),
/// and a block's summaries sit in adjacent lines the CPU loads in parallel. Leaves hold the intervals
/// in Start order; an inner block keeps, for each child, the child's smallest Start and its subtree's
/// largest Last. Every leaf is at the same depth. Intervals with equal Start are kept, and visited,
/// in insertion order.
/// </para>
/// <para>
/// <b>Queries.</b> The first interval (in Start order) overlapping [start, last] is the first one whose
/// Last is at least start, provided it starts by last: everything before it ends too early, everything
/// after it starts no earlier. So <see cref="First"/> descends without backtracking into the first child
/// whose largest Last reaches start, and <see cref="Next"/> continues from the current slot. Both
/// allocate nothing, do not recurse and write nothing.
/// </para>
/// <para>
/// <b>Nodes</b> are handles: <see cref="Insert"/> returns the <see cref="IntervalTreeNode{T}"/> the caller
/// keeps to remove the interval later, and the node records its leaf and slot.
/// </para>
/// <para>
/// Thread safety: the tree has no lock of its own. The caller serialises writers
/// (<see cref="Insert"/>, <see cref="Remove"/>, <see cref="Clear"/>) and keeps every reader out
/// while one runs. Any number of threads may walk the tree with <see cref="First"/> /
/// <see cref="Next"/> and read <see cref="Count"/> at the same time, since queries mutate no
/// state; <see cref="MmuNotifierSubscriptions"/> guarantees the exclusion by deferring inserts
/// and removals while an invalidation is walking (Linux <c>mn_itree_inv_end</c>).
/// </para>
/// </remarks>
public sealed partial class IntervalTree<T> where T : class
{
    private IntervalTreeBlock<T>? _root;

    /// <summary>Number of intervals in the tree.</summary>
    public int Count { get; private set; }

    /// <summary>Inserts the interval [<paramref name="start"/>, <paramref name="last"/>] carrying
    /// <paramref name="value"/>. O(log n).</summary>
    /// <param name="start">First value covered.</param>
    /// <param name="last">Last value covered (inclusive).</param>
    /// <param name="value">The payload returned by <see cref="IntervalTreeNode{T}.Value"/>.</param>
    /// <returns>The new node; keep it to <see cref="Remove"/> the interval.</returns>
    /// <exception cref="ArgumentException"><paramref name="start"/> is greater than <paramref name="last"/>.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public IntervalTreeNode<T> Insert(ulong start, ulong last, T value)
    {
        if (start > last)
        {
            throw new ArgumentException($"Interval start 0x{start:x} is after its last 0x{last:x}.", nameof(start));
        }
        ArgumentNullException.ThrowIfNull(value);

        var node = new IntervalTreeNode<T>(start, last, value) { Tree = this };
        var block = _root ??= new IntervalTreeBlock<T>(isLeaf: true);
        while (!block.IsLeaf)
        {
            // The last child whose smallest Start is at most start: the new interval goes after every
            // interval starting at or before it, so ties keep insertion order.
            int i = block.Count - 1;
            while (i > 0 && block.Starts[i] > start)
            {
                i--;
            }
            // Only child 0 can have a smallest Start above start: the new interval becomes its first.
            if (block.Starts[i] > start)
            {
                block.Starts[i] = start;
            }
            if (block.Lasts[i] < last)
            {
                block.Lasts[i] = last;
            }
            block = block.Child(i);
        }
        int slot = block.Count;
        while (slot > 0 && block.Starts[slot - 1] > start)
        {
            slot--;
        }
        InsertIntoLeaf(block, slot, node);
        Count++;
        return node;
    }

    /// <summary>Removes <paramref name="node"/> from the tree. O(log n).</summary>
    /// <remarks>Afterwards <see cref="IntervalTreeNode{T}.IsInTree"/> is false; the node keeps its
    /// bounds and value, and passing it to <see cref="Next"/> or <see cref="Remove"/> throws.</remarks>
    /// <exception cref="ArgumentNullException"><paramref name="node"/> is null.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="node"/> is not in this tree
    /// (already removed, cleared, or from another tree).</exception>
    public void Remove(IntervalTreeNode<T> node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (!ReferenceEquals(node.Tree, this))
        {
            throw new InvalidOperationException(node.Tree is null
                ? "The interval-tree node was already removed."
                : "The interval-tree node belongs to another tree.");
        }
        var leaf = node.Leaf!;
        int count = leaf.Count;
        for (int i = node.Index + 1; i < count; i++)
        {
            leaf.Take(i - 1, leaf, i);
        }
        leaf.ClearSlot(count - 1);
        leaf.Count = count - 1;
        node.Tree = null;
        node.Leaf = null;
        Count--;
        RebalanceAfterRemove(leaf);
    }

    /// <summary>
    /// Returns the first interval, in order of Start, that overlaps [<paramref name="start"/>,
    /// <paramref name="last"/>], or null when none does (Linux <c>interval_tree_iter_first</c>).
    /// O(log n); allocates nothing and writes nothing.
    /// </summary>
    /// <param name="start">First value of the queried range.</param>
    /// <param name="last">Last value of the queried range (inclusive).</param>
    public IntervalTreeNode<T>? First(ulong start, ulong last) =>
        TryFirst(start, last, out var leaf, out int index) ? leaf.Node(index) : null;

    /// <summary>
    /// Returns the interval after <paramref name="node"/>, in the order of <see cref="First"/>, that
    /// overlaps [<paramref name="start"/>, <paramref name="last"/>], or null when there is none
    /// (Linux <c>interval_tree_iter_next</c>). Amortised O(log n) per call; allocates and writes
    /// nothing.
    /// </summary>
    /// <param name="node">A node of this tree, normally the previous result for the same range.</param>
    /// <param name="start">First value of the queried range.</param>
    /// <param name="last">Last value of the queried range (inclusive).</param>
    /// <exception cref="InvalidOperationException"><paramref name="node"/> is not in this tree.</exception>
    public IntervalTreeNode<T>? Next(IntervalTreeNode<T> node, ulong start, ulong last)
    {
        if (!ReferenceEquals(node.Tree, this))
        {
            ThrowNotInTree();
        }
        var leaf = node.Leaf!;
        int index = node.Index;
        return TryNext(ref leaf, ref index, start, last) ? leaf.Node(index) : null;
    }

    /// <summary>
    /// <see cref="First"/> as a position: the leaf and slot of the first overlapping interval, so a walk
    /// can read values (<see cref="IntervalTreeBlock{T}.Value"/>) without loading the nodes.
    /// </summary>
    internal bool TryFirst(ulong start, ulong last, [NotNullWhen(true)] out IntervalTreeBlock<T>? leaf, out int index)
    {
        var block = _root;
        if (block is not null && Descend(ref block, start, last, out index))
        {
            leaf = block;
            return true;
        }
        leaf = null;
        index = 0;
        return false;
    }

    /// <summary><see cref="Next"/> as a position: advances <paramref name="leaf"/>/<paramref name="index"/>
    /// to the next overlapping interval; false (position unspecified) when there is none.</summary>
    internal static bool TryNext(ref IntervalTreeBlock<T> leaf, ref int index, ulong start, ulong last)
    {
        for (int i = index + 1; i < leaf.Count; i++)
        {
            if (leaf.Starts[i] > last)
            {
                return false;
            }
            if (leaf.Lasts[i] >= start)
            {
                index = i;
                return true;
            }
        }
        // Climb until an ancestor has a child after the one we came from that can still overlap.
        var block = leaf;
        while (block.Parent is { } parent)
        {
            for (int k = parent.IndexOf(block) + 1; k < parent.Count; k++)
            {
                if (parent.Starts[k] > last)
                {
                    return false;
                }
                if (parent.Lasts[k] >= start)
                {
                    var child = parent.Child(k);
                    if (Descend(ref child, start, last, out index))
                    {
                        leaf = child;
                        return true;
                    }
                    return false;
                }
            }
            block = parent;
        }
        return false;
    }

    /// <summary>
    /// From <paramref name="block"/>, finds the first interval of its subtree whose Last reaches
    /// <paramref name="start"/> and returns true if it also starts by <paramref name="last"/>; on
    /// true, <paramref name="block"/> is its leaf and <paramref name="index"/> its slot. When that
    /// first interval starts after <paramref name="last"/>, so does every later one: no backtracking.
    /// </summary>
    private static bool Descend(ref IntervalTreeBlock<T> block, ulong start, ulong last, out int index)
    {
        while (true)
        {
            int n = block.Count;
            int i = 0;
            while (i < n && block.Lasts[i] < start)
            {
                i++;
            }
            if (i == n || block.Starts[i] > last)
            {
                index = 0;
                return false;
            }
            if (block.IsLeaf)
            {
                index = i;
                return true;
            }
            block = block.Child(i);
        }
    }

    /// <summary>Removes every interval. O(n); each removed node reports <see cref="IntervalTreeNode{T}.IsInTree"/> false.</summary>
    public void Clear()
    {
        if (_root is not null)
        {
            Detach(_root);
        }
        _root = null;
        Count = 0;
    }

    private static void Detach(IntervalTreeBlock<T> block)
    {
        for (int i = 0; i < block.Count; i++)
        {
            if (block.IsLeaf)
            {
                var node = block.Node(i);
                node.Tree = null;
                node.Leaf = null;
            }
            else
            {
                var child = block.Child(i);
                child.Parent = null;
                Detach(child);
            }
        }
    }

    [DoesNotReturn]
    private static void ThrowNotInTree() =>
        throw new InvalidOperationException("The interval-tree node is not in this tree.");
}
