using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Notifiers;

/// <summary>Red-black rebalancing: rotations and the insert/remove fix-ups, keeping the cached subtree maxima right.</summary>
public sealed partial class IntervalTree<T>
{
    /// <summary>Replaces the subtree at <paramref name="old"/> with <paramref name="replacement"/> in old's parent.</summary>
    private void Transplant(IntervalTreeNode<T> old, IntervalTreeNode<T>? replacement)
    {
        var parent = old.Parent;
        if (parent is null)
        {
            _root = replacement;
        }
        else if (ReferenceEquals(old, parent.Left))
        {
            parent.Left = replacement;
        }
        else
        {
            parent.Right = replacement;
        }
        if (replacement is not null)
        {
            replacement.Parent = parent;
        }
    }

    /// <summary>Rotates <paramref name="x"/> down to the left; its right child takes its place.</summary>
    /// <remarks>The rotated pair holds the same intervals as before, so x's parent keeps its field for it.</remarks>
    private void RotateLeft(IntervalTreeNode<T> x)
    {
        var y = x.Right!;
        x.Right = y.Left;
        if (y.Left is not null)
        {
            y.Left.Parent = x;
        }
        Transplant(x, y);
        y.Left = x;
        x.Parent = y;
        // y now roots the same set of intervals x did; x lost y and y's right subtree.
        x.RightLast = y.LeftLast;
        y.LeftLast = x.SubtreeLast;
    }

    /// <summary>Rotates <paramref name="x"/> down to the right; its left child takes its place.</summary>
    private void RotateRight(IntervalTreeNode<T> x)
    {
        var y = x.Left!;
        x.Left = y.Right;
        if (y.Right is not null)
        {
            y.Right.Parent = x;
        }
        Transplant(x, y);
        y.Right = x;
        x.Parent = y;
        x.LeftLast = y.RightLast;
        y.RightLast = x.SubtreeLast;
    }

    private static bool IsRed(IntervalTreeNode<T>? node) => node is not null && node.Red;

    /// <summary>Restores the red-black rules after linking the red <paramref name="node"/> (CLRS RB-INSERT-FIXUP).</summary>
    private void InsertFixup(IntervalTreeNode<T> node)
    {
        while (IsRed(node.Parent))
        {
            var parent = node.Parent!;
            // A red parent is never the root, so the grandparent exists.
            var grandparent = parent.Parent!;
            if (ReferenceEquals(parent, grandparent.Left))
            {
                var uncle = grandparent.Right;
                if (IsRed(uncle))
                {
                    parent.Red = false;
                    uncle!.Red = false;
                    grandparent.Red = true;
                    node = grandparent;
                    continue;
                }
                if (ReferenceEquals(node, parent.Right))
                {
                    RotateLeft(parent);
                    (node, parent) = (parent, node);
                }
                parent.Red = false;
                grandparent.Red = true;
                RotateRight(grandparent);
            }
            else
            {
                var uncle = grandparent.Left;
                if (IsRed(uncle))
                {
                    parent.Red = false;
                    uncle!.Red = false;
                    grandparent.Red = true;
                    node = grandparent;
                    continue;
                }
                if (ReferenceEquals(node, parent.Left))
                {
                    RotateRight(parent);
                    (node, parent) = (parent, node);
                }
                parent.Red = false;
                grandparent.Red = true;
                RotateLeft(grandparent);
            }
        }
        _root!.Red = false;
    }

    /// <summary>
    /// Restores the red-black rules after a black node left the path through <paramref name="node"/>
    /// (CLRS RB-DELETE-FIXUP with null leaves, so the parent is passed alongside).
    /// </summary>
    private void RemoveFixup(IntervalTreeNode<T>? node, IntervalTreeNode<T>? parent)
    {
        while (!ReferenceEquals(node, _root) && !IsRed(node))
        {
            // node is short one black, so its sibling's subtree holds at least one black node.
            Debug.Assert(parent is not null);
            if (ReferenceEquals(node, parent.Left))
            {
                var sibling = parent.Right!;
                if (sibling.Red)
                {
                    sibling.Red = false;
                    parent.Red = true;
                    RotateLeft(parent);
                    sibling = parent.Right!;
                }
                if (!IsRed(sibling.Left) && !IsRed(sibling.Right))
                {
                    sibling.Red = true;
                    node = parent;
                    parent = node.Parent;
                    continue;
                }
                if (!IsRed(sibling.Right))
                {
                    sibling.Left!.Red = false;
                    sibling.Red = true;
                    RotateRight(sibling);
                    sibling = parent.Right!;
                }
                sibling.Red = parent.Red;
                parent.Red = false;
                sibling.Right!.Red = false;
                RotateLeft(parent);
                node = _root;
                break;
            }
            else
            {
                var sibling = parent.Left!;
                if (sibling.Red)
                {
                    sibling.Red = false;
                    parent.Red = true;
                    RotateRight(parent);
                    sibling = parent.Left!;
                }
                if (!IsRed(sibling.Left) && !IsRed(sibling.Right))
                {
                    sibling.Red = true;
                    node = parent;
                    parent = node.Parent;
                    continue;
                }
                if (!IsRed(sibling.Left))
                {
                    sibling.Right!.Red = false;
                    sibling.Red = true;
                    RotateLeft(sibling);
                    sibling = parent.Left!;
                }
                sibling.Red = parent.Red;
                parent.Red = false;
                sibling.Left!.Red = false;
                RotateRight(parent);
                node = _root;
                break;
            }
        }
        if (node is not null)
        {
            node.Red = false;
        }
    }
}
