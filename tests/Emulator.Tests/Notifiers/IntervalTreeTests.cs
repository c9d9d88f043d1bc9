using Emulator.Core.Notifiers;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace Emulator.Tests.Notifiers;

/// <summary>
/// Evidence for <see cref="IntervalTree{T}"/>: hand-computed overlap cases (closed intervals, Last
/// inclusive), visiting order, agreement with a brute-force list under random operations, the
/// block and summary invariants, the height bound and concurrent read-only walks.
/// </summary>
public sealed class IntervalTreeTests
{
    private sealed class Tag(int id)
    {
        public int Id { get; } = id;

        public override string ToString() => $"#{Id}";
    }

    private static List<IntervalTreeNode<Tag>> Query(IntervalTree<Tag> tree, ulong start, ulong last)
    {
        var found = new List<IntervalTreeNode<Tag>>();
        for (var node = tree.First(start, last); node is not null; node = tree.Next(node, start, last))
        {
            found.Add(node);
        }
        return found;
    }

    private static int[] Ids(List<IntervalTreeNode<Tag>> nodes)
    {
        var ids = new int[nodes.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = nodes[i].Value.Id;
        }
        return ids;
    }

    [Fact]
    public void Empty_tree_finds_nothing()
    {
        var tree = new IntervalTree<Tag>();

        Assert.Equal(0, tree.Count); // a new tree holds no interval
        Assert.Null(tree.First(0, ulong.MaxValue)); // not even the widest query finds one
        tree.Clear();
        tree.Validate(); // clearing an empty tree leaves it consistent
    }

    [Fact]
    public void Single_interval_is_hit_at_both_inclusive_boundaries_and_missed_just_outside()
    {
        var tree = new IntervalTree<Tag>();
        var node = tree.Insert(0x1000, 0x1FFF, new Tag(1));

        Assert.True(node.IsInTree); // a fresh node reports membership
        Assert.Equal((0x1000UL, 0x1FFFUL), (node.Start, node.Last)); // the node keeps the bounds it was given
        Assert.Equal(1, tree.Count); // one insert, one interval
        Assert.Null(tree.First(0, 0xFFF)); // a range ending one below Start misses
        Assert.Same(node, tree.First(0, 0x1000)); // a range ending exactly at Start overlaps
        Assert.Same(node, tree.First(0x1FFF, 0x1FFF)); // Last is inclusive: its own page-last byte hits
        Assert.Null(tree.First(0x2000, 0x2FFF)); // a range starting one past Last misses
        Assert.Same(node, tree.First(0x1800, 0x1800)); // an interior point hits
        Assert.Same(node, tree.First(0, ulong.MaxValue)); // a covering range hits
        Assert.Null(tree.Next(node, 0, ulong.MaxValue)); // there is nothing after the only node
    }

    [Fact]
    public void Nested_intervals_are_all_reported_for_a_point_inside_the_innermost()
    {
        var tree = new IntervalTree<Tag>();
        tree.Insert(0x1800, 0x18FF, new Tag(3));
        tree.Insert(0x0, 0xFFFF, new Tag(1));
        tree.Insert(0x1000, 0x1FFF, new Tag(2));

        Assert.Equal([1, 2, 3], Ids(Query(tree, 0x1850, 0x1850))); // every enclosing interval, outermost (lowest Start) first
        Assert.Equal([1, 2], Ids(Query(tree, 0x1900, 0x1900))); // just past the innermost Last only the two outer ones
        Assert.Equal([1], Ids(Query(tree, 0x2000, 0x2000))); // past the middle one only the outermost remains
        Assert.Empty(Query(tree, 0x10000, ulong.MaxValue)); // past the outermost Last nothing overlaps
    }

    [Fact]
    public void Adjacent_intervals_do_not_overlap_each_other_s_boundary()
    {
        var tree = new IntervalTree<Tag>();
        tree.Insert(0x2000, 0x2FFF, new Tag(2));
        tree.Insert(0x1000, 0x1FFF, new Tag(1));

        Assert.Equal([1], Ids(Query(tree, 0x1FFF, 0x1FFF))); // the last byte of the first belongs to the first only
        Assert.Equal([2], Ids(Query(tree, 0x2000, 0x2000))); // the first byte of the second belongs to the second only
        Assert.Equal([1, 2], Ids(Query(tree, 0x1FFF, 0x2000))); // a two-byte range across the seam hits both, in Start order
    }

    [Fact]
    public void Duplicate_intervals_are_distinct_nodes_and_are_removed_one_at_a_time()
    {
        var tree = new IntervalTree<Tag>();
        var a = tree.Insert(5, 10, new Tag(1));
        var b = tree.Insert(5, 10, new Tag(2));
        var c = tree.Insert(5, 10, new Tag(3));

        Assert.Equal(3, tree.Count); // duplicates are not merged
        var found = Ids(Query(tree, 7, 7));
        Array.Sort(found);
        Assert.Equal([1, 2, 3], found); // each duplicate is visited once

        tree.Remove(b);
        found = Ids(Query(tree, 10, 10));
        Array.Sort(found);
        Assert.Equal([1, 3], found); // removing one duplicate leaves the others in place
        Assert.True(a.IsInTree && c.IsInTree && !b.IsInTree); // membership follows exactly the removed node
        tree.Validate(); // the tree is still a valid interval tree
    }

    [Fact]
    public void Intervals_at_zero_and_at_ulong_max_are_found_without_overflow()
    {
        var tree = new IntervalTree<Tag>();
        tree.Insert(0, 0, new Tag(1));
        tree.Insert(ulong.MaxValue, ulong.MaxValue, new Tag(3));
        tree.Insert(0, ulong.MaxValue, new Tag(2));

        var atZero = Ids(Query(tree, 0, 0));
        Array.Sort(atZero);
        Assert.Equal([1, 2], atZero); // the one-value interval at 0 and the full range both contain 0
        Assert.Equal([2, 3], Ids(Query(tree, ulong.MaxValue, ulong.MaxValue))); // the top value is inside the full range and its own interval
        Assert.Equal([2], Ids(Query(tree, 1, ulong.MaxValue - 1))); // between the extremes only the full range overlaps
        Assert.Equal(3, Query(tree, 0, ulong.MaxValue).Count); // the full query sees all three
        tree.Validate(); // a summary Last of ulong.MaxValue is handled
    }

    [Fact]
    public void Removed_interval_is_no_longer_found_and_its_neighbours_still_are()
    {
        var tree = new IntervalTree<Tag>();
        var nodes = new IntervalTreeNode<Tag>[8];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = tree.Insert((ulong)i * 0x1000, (ulong)i * 0x1000 + 0xFFF, new Tag(i));
        }

        tree.Remove(nodes[3]);

        Assert.False(nodes[3].IsInTree); // the removed node reports it
        Assert.Equal(7, tree.Count); // the count drops by one
        Assert.Null(tree.First(0x3000, 0x3FFF)); // its range is now empty
        Assert.Equal([2, 4], Ids(Query(tree, 0x2FFF, 0x4000))); // a range spanning the hole skips it
        Assert.Equal(3, nodes[3].Value.Id); // the node keeps its value after removal
        tree.Validate(); // removal kept the invariants
    }

    [Fact]
    public void Removing_a_node_not_in_the_tree_throws()
    {
        var tree = new IntervalTree<Tag>();
        var other = new IntervalTree<Tag>();
        var node = tree.Insert(1, 2, new Tag(1));
        var foreign = other.Insert(1, 2, new Tag(2));
        tree.Remove(node);

        Assert.Throws<InvalidOperationException>(() => tree.Remove(node)); // a second removal is a caller bug
        Assert.Throws<InvalidOperationException>(() => tree.Remove(foreign)); // so is removing another tree's node
        Assert.Throws<InvalidOperationException>(() => tree.Next(node, 0, 10)); // and continuing a walk from a removed node
        Assert.True(foreign.IsInTree); // the failed removal did not touch the other tree's node
        Assert.Equal(1, other.Count); // nor the other tree
    }

    [Fact]
    public void Insert_with_start_after_last_throws_and_changes_nothing()
    {
        var tree = new IntervalTree<Tag>();

        Assert.Throws<ArgumentException>(() => tree.Insert(2, 1, new Tag(1))); // an inverted interval is a caller bug
        Assert.Equal(0, tree.Count); // and is not inserted
        Assert.Same(tree.Insert(7, 7, new Tag(2)), tree.First(7, 7)); // a one-value interval (start == last) is valid
    }

    [Fact]
    public void Clear_detaches_every_node_and_leaves_a_usable_tree()
    {
        var tree = new IntervalTree<Tag>();
        var nodes = new IntervalTreeNode<Tag>[100];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = tree.Insert((ulong)i, (ulong)i + 5, new Tag(i));
        }

        tree.Clear();

        Assert.Equal(0, tree.Count); // nothing is left
        Assert.Null(tree.First(0, ulong.MaxValue)); // and nothing is found
        Assert.DoesNotContain(nodes, n => n.IsInTree); // every node, not just the root, knows it left
        Assert.Throws<InvalidOperationException>(() => tree.Remove(nodes[50])); // a cleared node cannot be removed again
        var fresh = tree.Insert(3, 4, new Tag(1000));
        Assert.Same(fresh, tree.First(0, 10)); // the tree works again after Clear
        tree.Validate(); // and is consistent
    }

    [Fact]
    public void First_and_Next_visit_each_overlapping_node_once_in_non_decreasing_Start_order()
    {
        const int seed = 20240611;
        var rng = new Random(seed);
        var tree = new IntervalTree<Tag>();
        var all = new List<IntervalTreeNode<Tag>>();
        for (var i = 0; i < 2000; i++)
        {
            // Few distinct starts so equal Starts (ties) are common.
            var start = (ulong)rng.Next(0, 200) * 16;
            all.Add(tree.Insert(start, start + (ulong)rng.Next(0, 400), new Tag(i)));
        }

        for (var q = 0; q < 200; q++)
        {
            var start = (ulong)rng.Next(0, 3600);
            var last = start + (ulong)rng.Next(0, 300);
            var found = Query(tree, start, last);
            var seen = new HashSet<IntervalTreeNode<Tag>>(ReferenceEqualityComparer.Instance);
            for (var i = 0; i < found.Count; i++)
            {
                Assert.True(seen.Add(found[i]), $"seed {seed}: node {found[i].Value} visited twice for [{start}, {last}]"); // no node twice
                Assert.True(i == 0 || found[i - 1].Start <= found[i].Start, $"seed {seed}: Start decreased at {i} for [{start}, {last}]"); // Start order
            }
            var expected = 0;
            foreach (var node in all)
            {
                if (node.Start <= last && start <= node.Last)
                {
                    expected++;
                    Assert.True(seen.Contains(node), $"seed {seed}: overlapping {node.Value} missed for [{start}, {last}]"); // none missed
                }
            }
            Assert.Equal(expected, found.Count); // and nothing that does not overlap
        }
    }

    /// <summary>One step of a random script: 0 insert, 1 remove (index modulo the live count), 2 query.</summary>
    private readonly record struct Op(int Kind, ulong A, ulong Length);

    [Fact]
    public void Random_operation_scripts_agree_with_a_brute_force_list()
    {
        // A 0..63 space with short lengths makes overlaps, ties and duplicates common; A near 2^64
        // exercises the top of the range.
        var coordinate = Gen.Frequency(
            (9, Gen.Choose(0, 63).Select(i => (ulong)i)),
            (1, Gen.Choose(0, 15).Select(i => ulong.MaxValue - (ulong)i)));
        var op = Gen.Choose(0, 2)
            .Zip(coordinate, (kind, a) => (Kind: kind, A: a))
            .Zip(Gen.Choose(0, 20), (ka, length) => new Op(ka.Kind, ka.A, (ulong)length));
        var script = Gen.ArrayOf(op).ToArbitrary();

        Prop.ForAll(script, (Op[] ops) =>
        {
            var tree = new IntervalTree<Tag>();
            var model = new List<IntervalTreeNode<Tag>>();
            var id = 0;
            foreach (var step in ops)
            {
                var last = step.A + Math.Min(step.Length, ulong.MaxValue - step.A);
                switch (step.Kind)
                {
                    case 0:
                        model.Add(tree.Insert(step.A, last, new Tag(id++)));
                        break;
                    case 1 when model.Count > 0:
                        var victim = (int)(step.A % (ulong)model.Count);
                        tree.Remove(model[victim]);
                        model.RemoveAt(victim);
                        break;
                    default:
                        if (!SameAsBruteForce(tree, model, step.A, last))
                        {
                            return false;
                        }
                        break;
                }
            }
            tree.Validate();
            return tree.Count == model.Count && SameAsBruteForce(tree, model, 0, ulong.MaxValue);
        }).QuickCheckThrowOnFailure(); // the tree answers every query exactly as a linear scan does (FsCheck prints the replay seed on failure)
    }

    private static bool SameAsBruteForce(IntervalTree<Tag> tree, List<IntervalTreeNode<Tag>> model, ulong start, ulong last)
    {
        var found = Query(tree, start, last);
        var expected = 0;
        foreach (var node in model)
        {
            if (node.Start <= last && start <= node.Last)
            {
                expected++;
                if (!found.Contains(node))
                {
                    return false;
                }
            }
        }
        for (var i = 1; i < found.Count; i++)
        {
            if (found[i - 1].Start > found[i].Start)
            {
                return false;
            }
        }
        return found.Count == expected;
    }

    [Fact]
    public void Twenty_thousand_seeded_operations_keep_the_invariants_and_the_answers()
    {
        const int seed = 0x5EED;
        var rng = new Random(seed);
        var tree = new IntervalTree<Tag>();
        var model = new List<IntervalTreeNode<Tag>>();
        for (var i = 0; i < 20_000; i++)
        {
            var roll = rng.Next(100);
            if (roll < 45 || model.Count == 0)
            {
                var (start, last) = RandomInterval(rng);
                model.Add(tree.Insert(start, last, new Tag(i)));
            }
            else if (roll < 80)
            {
                var victim = rng.Next(model.Count);
                tree.Remove(model[victim]);
                Assert.False(model[victim].IsInTree, $"seed {seed}, op {i}: removed node still claims membership"); // Remove detaches
                model[victim] = model[^1];
                model.RemoveAt(model.Count - 1);
            }
            else
            {
                var (start, last) = RandomInterval(rng);
                Assert.True(SameAsBruteForce(tree, model, start, last), $"seed {seed}, op {i}: query [0x{start:x}, 0x{last:x}] differs from brute force"); // answers match a linear scan
            }

            if (i % 250 == 249)
            {
                try
                {
                    tree.Validate(); // order, links, block fill and the summaries hold
                }
                catch (InvalidOperationException e)
                {
                    Assert.Fail($"seed {seed}, op {i}: {e.Message}");
                }
                Assert.Equal(model.Count, tree.Count); // Count tracks inserts minus removals
            }
        }
    }

    private static (ulong Start, ulong Last) RandomInterval(Random rng)
    {
        var kind = rng.Next(10);
        if (kind == 0)
        {
            var start = ulong.MaxValue - (ulong)rng.Next(0, 1 << 16);
            return (start, start + Math.Min((ulong)rng.Next(0, 1 << 14), ulong.MaxValue - start));
        }
        if (kind == 1)
        {
            var start = (ulong)rng.Next(0, 1 << 12);
            return (start, start + (ulong)rng.Next(0, 1 << 12));
        }
        var s = (ulong)rng.Next(0, 1 << 22);
        return (s, s + (ulong)rng.Next(0, 1 << 16));
    }

    [Fact]
    public void Hundred_thousand_ascending_pages_keep_the_tree_shallow()
    {
        const int n = 100_000;
        var tree = new IntervalTree<Tag>();
        var tag = new Tag(0);
        for (var i = 0; i < n; i++)
        {
            // Ascending inserts are the worst case for an unbalanced tree (a list of height n).
            tree.Insert((ulong)i << 12, ((ulong)i << 12) | 0xFFF, tag);
        }

        Assert.InRange(tree.Height, 1, 5); // ascending inserts leave full blocks of 16: ceil(log16(100,000)) = 5 levels
        tree.Validate(); // and every block, link and summary is right after the splits
        var hit = tree.First(0x1234_5678, 0x1234_5678);
        Assert.NotNull(hit); // page 0x12345 is registered
        Assert.Equal(0x1234_5000UL, hit.Start); // and is the one found
        Assert.Null(tree.Next(hit, 0x1234_5678, 0x1234_5678)); // disjoint pages: exactly one match
    }

    [Fact]
    public void Growing_then_emptying_in_random_order_keeps_every_invariant()
    {
        const int seed = 4242;
        var rng = new Random(seed);
        var tree = new IntervalTree<Tag>();
        var model = new List<IntervalTreeNode<Tag>>();
        for (var i = 0; i < 3000; i++)
        {
            // Ascending pages (append splits), random intervals (middle splits) and a shared start (ties).
            var (start, last) = (i % 3) switch
            {
                0 => ((ulong)i << 12, ((ulong)i << 12) | 0xFFF),
                1 => RandomInterval(rng),
                _ => (0x5000UL, 0x5000UL + (ulong)rng.Next(0, 1 << 20)),
            };
            model.Add(tree.Insert(start, last, new Tag(i)));
        }
        tree.Validate(); // three levels of blocks built by both kinds of split

        var order = model.ToArray();
        rng.Shuffle(order);
        var live = new List<IntervalTreeNode<Tag>>(model);
        for (var i = 0; i < order.Length; i++)
        {
            tree.Remove(order[i]);
            live.Remove(order[i]);
            if (i % 29 == 0)
            {
                try
                {
                    tree.Validate(); // merges, borrows from either side and root collapses keep every invariant
                }
                catch (InvalidOperationException e)
                {
                    Assert.Fail($"seed {seed}, removal {i}: {e.Message}");
                }
                var (qs, ql) = RandomInterval(rng);
                Assert.True(SameAsBruteForce(tree, live, qs, ql), $"seed {seed}, removal {i}: query [0x{qs:x}, 0x{ql:x}] differs from brute force"); // and answers stay right
            }
        }

        Assert.Equal(0, tree.Count); // every interval is gone
        Assert.Equal(0, tree.Height); // and so is every block
        Assert.Null(tree.First(0, ulong.MaxValue)); // nothing is found
        tree.Validate(); // the empty tree is consistent
    }

    [Fact]
    public void Equal_starts_are_visited_in_insertion_order_across_block_splits()
    {
        var tree = new IntervalTree<Tag>();
        for (var i = 0; i < 200; i++)
        {
            tree.Insert(0x1000, 0x1FFF + (ulong)(i % 7), new Tag(i)); // ties, with Lasts that do not follow the order
            tree.Insert((ulong)(i % 5) << 13, ((ulong)(i % 5) << 13) | 0xFFF, new Tag(1000 + i)); // and neighbours around them that miss 0x1800
        }

        var ties = Query(tree, 0x1800, 0x1800).ConvertAll(n => n.Value.Id);
        Assert.Equal(Enumerable.Range(0, 200), ties); // the 200 equal starts come back in the order they went in, though they span many leaves
        tree.Validate();
    }

    [Fact]
    public void Concurrent_readers_see_the_same_answers_as_a_single_reader()
    {
        const int seed = 77;
        var rng = new Random(seed);
        var tree = new IntervalTree<Tag>();
        for (var i = 0; i < 5000; i++)
        {
            var (start, last) = RandomInterval(rng);
            tree.Insert(start, last, new Tag(i));
        }
        var queries = new (ulong Start, ulong Last)[2000];
        var expected = new int[queries.Length];
        for (var q = 0; q < queries.Length; q++)
        {
            queries[q] = RandomInterval(rng);
            expected[q] = Query(tree, queries[q].Start, queries[q].Last).Count;
        }

        var mismatches = new int[4];
        var threads = new Thread[mismatches.Length];
        for (var t = 0; t < threads.Length; t++)
        {
            var index = t;
            threads[t] = new Thread(() =>
            {
                for (var round = 0; round < 5; round++)
                {
                    for (var q = 0; q < queries.Length; q++)
                    {
                        var (start, last) = queries[(q + index * 500) % queries.Length];
                        var count = 0;
                        for (var node = tree.First(start, last); node is not null; node = tree.Next(node, start, last))
                        {
                            count++;
                        }
                        if (count != expected[(q + index * 500) % queries.Length])
                        {
                            mismatches[index]++;
                        }
                    }
                }
            });
        }
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }

        Assert.True(Array.TrueForAll(mismatches, m => m == 0), $"seed {seed}: mismatches per reader {string.Join(", ", mismatches)}"); // queries share no mutable state, so parallel walks never disturb each other
        tree.Validate(); // and reading left the tree untouched
    }
}
