namespace Emulator.Core.Notifiers;

/// <summary>Keeping the B+-tree balanced: block splits on insert, merges and borrowing on remove, and
/// the inner blocks' summaries (each child's smallest Start and largest Last) right throughout.</summary>
public sealed partial class IntervalTree<T>
{
    private const int Capacity = IntervalTreeBlock<T>.Capacity;

    /// <summary>Puts <paramref name="node"/> at <paramref name="slot"/> of <paramref name="leaf"/>,
    /// splitting the leaf when it is full. The summaries above were already widened by the descent.</summary>
    private void InsertIntoLeaf(IntervalTreeBlock<T> leaf, int slot, IntervalTreeNode<T> node)
    {
        var target = leaf;
        bool split = leaf.Count == Capacity;
        if (split)
        {
            var right = Split(leaf, slot);
            if (slot > leaf.Count || leaf.Count == Capacity)
            {
                target = right;
                slot -= leaf.Count;
            }
        }
        for (int i = target.Count; i > slot; i--)
        {
            target.Take(i, target, i - 1);
        }
        target.Starts[slot] = node.Start;
        target.Lasts[slot] = node.Last;
        target.Items[slot] = node;
        target.Values[slot] = node.Value;
        target.Count++;
        node.Leaf = target;
        node.Index = slot;
        if (split)
        {
            // Without a split the descent's widening is exact; a split recomputed the summaries
            // without the new interval.
            RefreshUpwards(target);
        }
    }

    /// <summary>
    /// Splits the full <paramref name="block"/>, about to receive a slot at <paramref name="slot"/>,
    /// into itself and a new right sibling, and links the sibling into the parent (splitting it in turn
    /// when full). An insert at the end keeps the block full and starts the sibling empty, so ascending
    /// inserts — the usual way an address space fills — leave full blocks and a shallow tree.
    /// </summary>
    /// <returns>The new right sibling.</returns>
    private IntervalTreeBlock<T> Split(IntervalTreeBlock<T> block, int slot)
    {
        int keep = slot == Capacity ? Capacity : Capacity / 2;
        var right = new IntervalTreeBlock<T>(block.IsLeaf);
        for (int i = keep; i < Capacity; i++)
        {
            right.Take(i - keep, block, i);
            block.ClearSlot(i);
        }
        right.Count = Capacity - keep;
        block.Count = keep;

        var parent = block.Parent;
        if (parent is null)
        {
            parent = new IntervalTreeBlock<T>(isLeaf: false);
            parent.Items[0] = block;
            parent.Count = 1;
            block.Parent = parent;
            _root = parent;
        }
        int at = parent.IndexOf(block) + 1;
        var into = parent;
        if (parent.Count == Capacity)
        {
            var parentRight = Split(parent, at);
            if (at > parent.Count || parent.Count == Capacity)
            {
                into = parentRight;
                at -= parent.Count;
            }
        }
        for (int i = into.Count; i > at; i--)
        {
            into.Take(i, into, i - 1);
        }
        into.Items[at] = right;
        right.Parent = into;
        into.Count++;
        // Both halves' paths to the root: every block whose contents this split changed is on one of
        // them, or (a sibling made by a split above) was summarised when that split ended.
        RefreshUpwards(block);
        RefreshUpwards(right);
        return right;
    }

    /// <summary>Recomputes slot <paramref name="i"/> of inner block <paramref name="parent"/> from its child.
    /// An empty child (a leaf about to receive its first entry) summarises as nothing.</summary>
    private static void Summarize(IntervalTreeBlock<T> parent, int i)
    {
        var child = parent.Child(i);
        parent.Starts[i] = child.Count > 0 ? child.Starts[0] : ulong.MaxValue;
        parent.Lasts[i] = child.MaxLast();
    }

    /// <summary>Recomputes the summaries of <paramref name="block"/> and every ancestor.</summary>
    private static void RefreshUpwards(IntervalTreeBlock<T> block)
    {
        while (block.Parent is { } parent)
        {
            Summarize(parent, parent.IndexOf(block));
            block = parent;
        }
    }

    /// <summary>
    /// After <paramref name="block"/> lost a slot: a non-root block below
    /// <see cref="IntervalTreeBlock{T}.MinFill"/> merges with a sibling when both fit in one block, and
    /// otherwise borrows the sibling's nearest slot; an empty only child is dropped. Then the parent,
    /// which may have lost a child, is handled the same way, and every summary on the way up is
    /// recomputed (the removed interval may have been a subtree's smallest Start or largest Last).
    /// Finally a root with one child hands over to it.
    /// </summary>
    private void RebalanceAfterRemove(IntervalTreeBlock<T> block)
    {
        while (block.Parent is { } parent)
        {
            int i = parent.IndexOf(block);
            if (block.Count < IntervalTreeBlock<T>.MinFill && parent.Count > 1)
            {
                int li = i > 0 ? i - 1 : 0;
                var left = parent.Child(li);
                var right = parent.Child(li + 1);
                if (left.Count + right.Count <= Capacity)
                {
                    for (int k = 0; k < right.Count; k++)
                    {
                        left.Take(left.Count + k, right, k);
                    }
                    left.Count += right.Count;
                    right.Count = 0;
                    right.Parent = null;
                    RemoveSlot(parent, li + 1);
                    Summarize(parent, li);
                }
                else if (ReferenceEquals(block, left))
                {
                    // Borrow the right sibling's first slot.
                    left.Take(left.Count++, right, 0);
                    for (int k = 1; k < right.Count; k++)
                    {
                        right.Take(k - 1, right, k);
                    }
                    right.ClearSlot(--right.Count);
                    Summarize(parent, li);
                    Summarize(parent, li + 1);
                }
                else
                {
                    // Borrow the left sibling's last slot.
                    for (int k = right.Count; k > 0; k--)
                    {
                        right.Take(k, right, k - 1);
                    }
                    right.Take(0, left, left.Count - 1);
                    right.Count++;
                    left.ClearSlot(--left.Count);
                    Summarize(parent, li);
                    Summarize(parent, li + 1);
                }
            }
            else if (block.Count == 0)
            {
                block.Parent = null;
                RemoveSlot(parent, i);
            }
            else
            {
                Summarize(parent, i);
            }
            block = parent;
        }

        while (!block.IsLeaf && block.Count == 1)
        {
            block = block.Child(0);
            block.Parent = null;
        }
        _root = block.Count == 0 ? null : block;
    }

    /// <summary>Removes slot <paramref name="i"/> of <paramref name="block"/>, closing the gap.</summary>
    private static void RemoveSlot(IntervalTreeBlock<T> block, int i)
    {
        for (int k = i + 1; k < block.Count; k++)
        {
            block.Take(k - 1, block, k);
        }
        block.ClearSlot(--block.Count);
    }
}
