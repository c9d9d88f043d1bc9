namespace Emulator.Core.Notifiers;

/// <summary>Invariant checks used by the tests.</summary>
public sealed partial class IntervalTree<T>
{
    /// <summary>Number of levels from the root to the leaves (0 when empty). O(log n); for tests.</summary>
    internal int Height
    {
        get
        {
            var height = 0;
            for (var block = _root; block is not null; block = block.IsLeaf ? null : block.Child(0))
            {
                height++;
            }
            return height;
        }
    }

    /// <summary>
    /// Checks every invariant: links (parents, each node's leaf and slot), order by Start, every leaf at
    /// one depth, block fill, the inner blocks' summaries, ownership and <see cref="Count"/>.
    /// O(n); for tests.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant is broken; the message says which and where.</exception>
    internal void Validate()
    {
        if (_root is null)
        {
            Check(Count == 0, $"empty tree has Count {Count}");
            return;
        }
        Check(_root.Parent is null, "root has a parent");
        int count = 0;
        int leafDepth = -1;
        ulong previousStart = 0;
        ValidateBlock(_root, 1, ref count, ref leafDepth, ref previousStart);
        Check(count == Count, $"walk found {count} nodes, Count is {Count}");
    }

    private void ValidateBlock(IntervalTreeBlock<T> block, int depth, ref int count, ref int leafDepth, ref ulong previousStart)
    {
        var where = $"{(block.IsLeaf ? "leaf" : "inner block")} at depth {depth}";
        Check(block.Count >= 1 && block.Count <= IntervalTreeBlock<T>.Capacity, $"{where} holds {block.Count} slots");
        for (int i = block.Count; i < IntervalTreeBlock<T>.Capacity; i++)
        {
            Check(block.Items[i] is null && block.Values[i] is null, $"{where} keeps a reference in unused slot {i}");
        }
        if (block.IsLeaf)
        {
            Check(leafDepth < 0 || depth == leafDepth, $"{where}: leaves are at depth {leafDepth}");
            leafDepth = depth;
            for (int i = 0; i < block.Count; i++)
            {
                var node = block.Node(i);
                var at = $"node [0x{node.Start:x}, 0x{node.Last:x}] in slot {i} of the {where}";
                Check(ReferenceEquals(node.Tree, this), $"{at} is not owned by this tree");
                Check(ReferenceEquals(node.Leaf, block) && node.Index == i, $"{at} records slot {node.Index} of another place");
                Check(node.Start <= node.Last, $"{at} has start after last");
                Check(block.Starts[i] == node.Start && block.Lasts[i] == node.Last, $"{at}: the leaf holds [0x{block.Starts[i]:x}, 0x{block.Lasts[i]:x}]");
                Check(ReferenceEquals(block.Values[i], node.Value), $"{at}: the leaf holds another value");
                Check(count == 0 || previousStart <= node.Start, $"{at} is out of order after start 0x{previousStart:x}");
                previousStart = node.Start;
                count++;
            }
            return;
        }
        for (int i = 0; i < block.Count; i++)
        {
            var child = block.Child(i);
            Check(ReferenceEquals(child.Parent, block), $"{where}: child {i}'s parent link is wrong");
            ValidateBlock(child, depth + 1, ref count, ref leafDepth, ref previousStart);
            // Checked after the child, so by induction from the leaves each summary is the subtree's truth.
            Check(block.Starts[i] == child.Starts[0], $"{where}: child {i} summarised as starting at 0x{block.Starts[i]:x}, it starts at 0x{child.Starts[0]:x}");
            Check(block.Lasts[i] == child.MaxLast(), $"{where}: child {i} summarised as ending at 0x{block.Lasts[i]:x}, it ends at 0x{child.MaxLast():x}");
        }
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Interval tree invariant broken: " + message);
        }
    }
}
