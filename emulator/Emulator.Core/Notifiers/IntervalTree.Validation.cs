using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Notifiers;

/// <summary>Invariant checks used by the tests.</summary>
public sealed partial class IntervalTree<T>
{
    /// <summary>Number of nodes on the longest root-to-leaf path (0 when empty). O(n); for tests.</summary>
    internal int Height
    {
        get
        {
            var height = 0;
            for (var node = _leftmost; node is not null; node = Successor(node))
            {
                if (node.Left is null && node.Right is null)
                {
                    var depth = 0;
                    for (var up = node; up is not null; up = up.Parent)
                    {
                        depth++;
                    }
                    height = Math.Max(height, depth);
                }
            }
            return height;
        }
    }

    /// <summary>
    /// Checks every invariant: links, order by Start, red-black colours and black heights,
    /// the subtree maxima, ownership, <see cref="Count"/> and the cached leftmost node.
    /// O(n log n); for tests.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant is broken; the message says which and where.</exception>
    internal void Validate()
    {
        if (_root is null)
        {
            Check(Count == 0, $"empty tree has Count {Count}");
            Check(_leftmost is null, "empty tree has a leftmost node");
            return;
        }
        Check(_root.Parent is null, "root has a parent");
        Check(!_root.Red, "root is red");
        Check(ReferenceEquals(_leftmost, Minimum(_root)), "cached leftmost is not the minimum");

        var count = 0;
        var blackHeight = -1;
        IntervalTreeNode<T>? previous = null;
        for (var node = Minimum(_root); node is not null; node = Successor(node))
        {
            count++;
            var where = $"node [0x{node.Start:x}, 0x{node.Last:x}]";
            Check(ReferenceEquals(node.Tree, this), $"{where} is not owned by this tree");
            Check(node.Start <= node.Last, $"{where} has start after last");
            Check(node.Left is null || ReferenceEquals(node.Left.Parent, node), $"{where}: left child's parent link is wrong");
            Check(node.Right is null || ReferenceEquals(node.Right.Parent, node), $"{where}: right child's parent link is wrong");
            Check(previous is null || previous.Start <= node.Start, $"{where} is out of order after start 0x{previous?.Start:x}");
            var next = Successor(node);
            Check(node.NextStart == (next is null ? IntervalTreeNode<T>.NoNextStart : next.Start),
                $"{where} has NextStart 0x{node.NextStart:x}, the next node starts at 0x{next?.Start:x}");
            // Checked against each child's own maxima, so by induction from the leaves every
            // field equals the true largest Last of its subtree.
            Check(node.LeftLast == SubtreeLastOf(node.Left),
                $"{where} has LeftLast 0x{node.LeftLast:x}, its left subtree ends at 0x{SubtreeLastOf(node.Left):x}");
            Check(node.RightLast == SubtreeLastOf(node.Right),
                $"{where} has RightLast 0x{node.RightLast:x}, its right subtree ends at 0x{SubtreeLastOf(node.Right):x}");
            if (node.Red)
            {
                Check(node.Left is null || !node.Left.Red, $"{where} is red with a red left child");
                Check(node.Right is null || !node.Right.Red, $"{where} is red with a red right child");
            }
            if (node.Left is null || node.Right is null)
            {
                var blacks = 0;
                for (var up = node; up is not null; up = up.Parent)
                {
                    blacks += up.Red ? 0 : 1;
                }
                Check(blackHeight < 0 || blacks == blackHeight,
                    $"{where} ends a path with {blacks} black nodes, others have {blackHeight}");
                blackHeight = blacks;
            }
            previous = node;
        }
        Check(count == Count, $"walk found {count} nodes, Count is {Count}");
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException("Interval tree invariant broken: " + message);
        }
    }
}
