using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Notifiers;

/// <summary>
/// An augmented red-black interval tree over closed intervals [Start, Last] of <see cref="ulong"/>
/// (Linux <c>include/linux/interval_tree_generic.h</c>): nodes are ordered by Start and the
/// largest Last of every subtree is kept, so finding the k intervals that overlap a range costs
/// O(log n + k). Duplicate and overlapping intervals are allowed.
/// </summary>
/// <typeparam name="T">The payload each interval carries (for the mm, the interval notifier).</typeparam>
/// <remarks>
/// <para>
/// Nodes are intrusive: <see cref="Insert"/> allocates the one <see cref="IntervalTreeNode{T}"/>
/// that the caller keeps to remove it later; <see cref="First"/> and <see cref="Next"/> allocate
/// nothing, do not recurse and write nothing, so a walk costs only the cache lines it touches.
/// Unlike Linux, which keeps a subtree's largest Last in the subtree's root, a node here keeps
/// the largest Last of each of its two subtrees: deciding where to descend then reads only the
/// current node, so a query does not load a left child only to read its maximum and then turn
/// right (on a large tree most levels are cache misses, so the loads are what a query costs).
/// Each node also keeps the Start of the node after it in order, so <see cref="Next"/> ends a
/// walk without touching another node once that Start is past the queried range (the common
/// case for a single-page query against mostly disjoint intervals).
/// Nodes with equal Start are visited in insertion order (a new node goes right of its equals and
/// rotations keep the in-order sequence).
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
    private IntervalTreeNode<T>? _root;

    /// <summary>The node with the smallest Start (Linux <c>rb_root_cached.rb_leftmost</c>), so
    /// <see cref="First"/> rejects a range below every interval without a descent.</summary>
    private IntervalTreeNode<T>? _leftmost;

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

        var node = new IntervalTreeNode<T>(start, last, value) { Tree = this, Red = true };
        IntervalTreeNode<T>? parent = null;
        // The last nodes the descent left to the right / to the left of: the new leaf's neighbours in order.
        IntervalTreeNode<T>? predecessor = null;
        IntervalTreeNode<T>? successor = null;
        var cursor = _root;
        var goLeft = false;
        while (cursor is not null)
        {
            // Every node passed on the way down gains the new interval in the subtree taken.
            parent = cursor;
            goLeft = start < cursor.Start;
            if (goLeft)
            {
                if (cursor.LeftLast < last)
                {
                    cursor.LeftLast = last;
                }
                successor = cursor;
                cursor = cursor.Left;
            }
            else
            {
                if (cursor.RightLast < last)
                {
                    cursor.RightLast = last;
                }
                predecessor = cursor;
                cursor = cursor.Right;
            }
        }

        node.Parent = parent;
        if (parent is null)
        {
            _root = node;
        }
        else if (goLeft)
        {
            parent.Left = node;
        }
        else
        {
            parent.Right = node;
        }
        node.NextStart = successor is null ? IntervalTreeNode<T>.NoNextStart : successor.Start;
        if (predecessor is null)
        {
            _leftmost = node;
        }
        else
        {
            predecessor.NextStart = start;
        }
        Count++;
        InsertFixup(node);
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

        var predecessor = Predecessor(node);
        if (predecessor is null)
        {
            _leftmost = Successor(node);
        }
        else
        {
            predecessor.NextStart = node.NextStart;
        }

        IntervalTreeNode<T>? child;
        IntervalTreeNode<T>? childParent;
        bool removedBlack;
        IntervalTreeNode<T>? mustRecompute = null;
        if (node.Left is null || node.Right is null)
        {
            child = node.Left ?? node.Right;
            childParent = node.Parent;
            removedBlack = !node.Red;
            Transplant(node, child);
        }
        else
        {
            // Two children: the in-order successor takes the node's place (and colour); the
            // black removed is the successor's, from its old position.
            var successor = Minimum(node.Right);
            removedBlack = !successor.Red;
            child = successor.Right;
            if (ReferenceEquals(successor.Parent, node))
            {
                childParent = successor;
            }
            else
            {
                childParent = successor.Parent;
                Transplant(successor, child);
                successor.Right = node.Right;
                successor.Right.Parent = successor;
            }
            Transplant(node, successor);
            successor.Left = node.Left;
            successor.Left.Parent = successor;
            successor.Red = node.Red;
            // Its subtree maxima describe its old, smaller subtrees: recompute them even if the
            // nodes below it turn out unchanged.
            mustRecompute = successor;
        }

        PropagateSubtreeLasts(childParent, mustRecompute);
        if (removedBlack)
        {
            RemoveFixup(child, childParent);
        }

        node.Left = node.Right = node.Parent = null;
        node.Tree = null;
        Count--;
    }

    /// <summary>
    /// Returns the first interval, in order of Start, that overlaps [<paramref name="start"/>,
    /// <paramref name="last"/>], or null when none does (Linux <c>interval_tree_iter_first</c>).
    /// O(log n); allocates nothing and writes nothing.
    /// </summary>
    /// <param name="start">First value of the queried range.</param>
    /// <param name="last">Last value of the queried range (inclusive).</param>
    public IntervalTreeNode<T>? First(ulong start, ulong last)
    {
        var root = _root;
        if (root is null || root.SubtreeLast < start || _leftmost!.Start > last)
        {
            return null;
        }
        return SubtreeSearch(root, start, last);
    }

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
        var right = node.Right;
        while (true)
        {
            if (node.NextStart > last)
            {
                // Every later node starts at or after NextStart.
                return null;
            }
            // Everything right of the current node starts no earlier than it, so only the
            // right subtree and the ancestors reached from a left child remain.
            if (right is not null && start <= node.RightLast)
            {
                return SubtreeSearch(right, start, last);
            }

            // Climb until arriving from a left child: that ancestor is the next node in order.
            IntervalTreeNode<T> previous;
            do
            {
                previous = node;
                var parent = node.Parent;
                if (parent is null)
                {
                    return null;
                }
                node = parent;
                right = node.Right;
            }
            while (ReferenceEquals(previous, right));

            if (last < node.Start)
            {
                return null;
            }
            if (start <= node.Last)
            {
                return node;
            }
        }
    }

    /// <summary>Removes every interval. O(n); each removed node reports <see cref="IntervalTreeNode{T}.IsInTree"/> false.</summary>
    public void Clear()
    {
        // Post-order walk over parent links, detaching leaves as it goes: no recursion and no stack.
        var node = _root;
        while (node is not null)
        {
            if (node.Left is not null)
            {
                node = node.Left;
            }
            else if (node.Right is not null)
            {
                node = node.Right;
            }
            else
            {
                var parent = node.Parent;
                if (parent is not null)
                {
                    if (ReferenceEquals(parent.Left, node))
                    {
                        parent.Left = null;
                    }
                    else
                    {
                        parent.Right = null;
                    }
                }
                node.Parent = null;
                node.Tree = null;
                node = parent;
            }
        }
        _root = null;
        _leftmost = null;
        Count = 0;
    }

    [DoesNotReturn]
    private static void ThrowNotInTree() =>
        throw new InvalidOperationException("The interval-tree node is not in this tree.");

    /// <summary>
    /// Leftmost node of the subtree at <paramref name="node"/> that overlaps [start, last], or null.
    /// The caller guarantees <c>start &lt;= node.SubtreeLast</c>: some node below ends late enough.
    /// Each step reads only the current node's fields.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static IntervalTreeNode<T>? SubtreeSearch(IntervalTreeNode<T> node, ulong start, ulong last)
    {
        while (true)
        {
            var left = node.Left;
            if (left is not null && start <= node.LeftLast)
            {
                // The leftmost node ending late enough is in the left subtree; if it starts too
                // late, every node after it does too.
                node = left;
                continue;
            }
            if (node.Start <= last)
            {
                if (start <= node.Last)
                {
                    return node;
                }
                var right = node.Right;
                if (right is not null && start <= node.RightLast && node.NextStart <= last)
                {
                    node = right;
                    continue;
                }
            }
            return null;
        }
    }

    private static IntervalTreeNode<T> Minimum(IntervalTreeNode<T> node)
    {
        while (node.Left is not null)
        {
            node = node.Left;
        }
        return node;
    }

    private static IntervalTreeNode<T>? Predecessor(IntervalTreeNode<T> node)
    {
        if (node.Left is not null)
        {
            node = node.Left;
            while (node.Right is not null)
            {
                node = node.Right;
            }
            return node;
        }
        var parent = node.Parent;
        while (parent is not null && ReferenceEquals(node, parent.Left))
        {
            node = parent;
            parent = parent.Parent;
        }
        return parent;
    }

    private static IntervalTreeNode<T>? Successor(IntervalTreeNode<T> node)
    {
        if (node.Right is not null)
        {
            return Minimum(node.Right);
        }
        var parent = node.Parent;
        while (parent is not null && ReferenceEquals(node, parent.Right))
        {
            node = parent;
            parent = parent.Parent;
        }
        return parent;
    }

    private static ulong SubtreeLastOf(IntervalTreeNode<T>? node) => node is null ? 0 : node.SubtreeLast;

    /// <summary>
    /// Recomputes the subtree maxima from <paramref name="node"/> up towards the root, stopping
    /// at the first node whose own subtree maximum is unchanged once <paramref name="mustReach"/>
    /// (a node whose fields are stale whatever happens below it) has been recomputed.
    /// </summary>
    private static void PropagateSubtreeLasts(IntervalTreeNode<T>? node, IntervalTreeNode<T>? mustReach)
    {
        while (node is not null)
        {
            var before = node.SubtreeLast;
            node.LeftLast = SubtreeLastOf(node.Left);
            node.RightLast = SubtreeLastOf(node.Right);
            if (node.SubtreeLast == before && mustReach is null)
            {
                // The parent's field for this subtree is still right, and so is everything above.
                return;
            }
            if (ReferenceEquals(node, mustReach))
            {
                mustReach = null;
            }
            node = node.Parent;
        }
    }

}
