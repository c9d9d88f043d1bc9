using Emulator.Core.Smmu;

namespace Emulator.Tests.Smmu;

/// <summary>Queue PROD/CONS arithmetic (Linux <c>queue_full</c>, <c>queue_empty</c>,
/// <c>queue_has_space</c>, <c>queue_inc_prod_n</c>, <c>queue_consumed</c>) on an 8-entry queue
/// (LOG2SIZE 3: index bits 2:0, wrap bit 3) unless stated.</summary>
public sealed class QueuePointerTests
{
    private static QueuePointer P(uint raw) => new(raw, 3);

    [Fact]
    public void Index_and_wrap_split_at_log2size()
    {
        Assert.Equal(5u, P(0x5).Index);
        Assert.False(P(0x5).Wrap);
        Assert.Equal(5u, P(0xD).Index); // 0b1101: index 5
        Assert.True(P(0xD).Wrap); // wrap bit 3
        Assert.Equal(0xDu, P(0x8000_00DDu).Position); // bits above the wrap bit are not position
        Assert.True(P(0x8000_0000u).Overflow); // bit 31
    }

    [Fact]
    public void Advancing_past_the_end_wraps_and_toggles_the_wrap_bit()
    {
        Assert.Equal(0x8u, P(0x7).Advance().Raw); // index 7 -> index 0, wrap 0 -> 1
        Assert.Equal(0x0u, P(0xF).Advance().Raw); // index 7 wrap 1 -> index 0 wrap 0
        Assert.Equal(0x9u, P(0x6).Advance(3).Raw); // 6 + 3 = 9: index 1, wrap 1
        Assert.Equal(0x8000_0008u, P(0x8000_0007u).Advance().Raw); // the overflow flag is kept
        Assert.Equal(0x6u, P(0x0100_0005u).Advance().Raw); // CMDQ_CONS.ERR is not
    }

    [Fact]
    public void Empty_and_full()
    {
        Assert.True(QueuePointer.IsEmpty(P(0x3), P(0x3))); // same index, same wrap
        Assert.False(QueuePointer.IsFull(P(0x3), P(0x3)));
        Assert.True(QueuePointer.IsFull(P(0xB), P(0x3))); // same index, wraps differ: 8 entries used
        Assert.False(QueuePointer.IsEmpty(P(0xB), P(0x3)));
        Assert.Equal(0u, QueuePointer.FreeEntries(P(0xB), P(0x3)));
        Assert.Equal(8u, QueuePointer.UsedEntries(P(0xB), P(0x3))); // all slots usable, none wasted
    }

    [Fact]
    public void Free_space_with_and_without_a_wrap_between_the_pointers()
    {
        Assert.Equal(6u, QueuePointer.FreeEntries(P(0x5), P(0x3))); // same wrap: 8 - (5 - 3)
        Assert.True(QueuePointer.HasSpace(P(0x5), P(0x3), 6));
        Assert.False(QueuePointer.HasSpace(P(0x5), P(0x3), 7));
        Assert.Equal(5u, QueuePointer.FreeEntries(P(0x9), P(0x6))); // prod wrapped: cons 6 - prod 1
        Assert.Equal(3u, QueuePointer.UsedEntries(P(0x9), P(0x6))); // positions 6, 7, 8
    }

    [Fact]
    public void A_slot_is_consumed_once_cons_has_passed_it()
    {
        Assert.True(QueuePointer.IsConsumed(P(0x5), P(0x4))); // same wrap, cons beyond it
        Assert.False(QueuePointer.IsConsumed(P(0x5), P(0x5))); // cons points at it: not yet
        Assert.False(QueuePointer.IsConsumed(P(0x0), P(0x7))); // same wrap, cons behind it
        Assert.True(QueuePointer.IsConsumed(P(0x9), P(0x7))); // cons wrapped past it
        Assert.False(QueuePointer.IsConsumed(P(0x7), P(0x9))); // it is in the next lap
    }

    [Fact]
    public void Cmdq_cons_error_code()
    {
        QueuePointer cons = P(0x5).WithError(CommandError.Illegal);

        Assert.Equal(0x0100_0005u, cons.Raw); // ERR 1<<24, RD unchanged
        Assert.Equal(CommandError.Illegal, cons.Error);
        Assert.Equal(5u, cons.Index); // ERR does not disturb the index
        Assert.Equal(0x0300_0005u, cons.WithError(CommandError.AtcInvSync).Raw); // CERROR_ATC_INV_SYNC 3<<24
        Assert.Equal(0x0200_0005u, cons.WithError(CommandError.Abort).Raw); // CERROR_ABT 2<<24
    }

    [Fact]
    public void A_one_entry_queue()
    {
        var empty = new QueuePointer(0, 0);
        QueuePointer prod = empty.Advance();

        Assert.Equal(1u, prod.Raw); // no index bits: the wrap flag is bit 0
        Assert.Equal(0u, prod.Index);
        Assert.True(QueuePointer.IsFull(prod, empty)); // one command fills it
        Assert.True(QueuePointer.IsEmpty(prod.Advance(), new QueuePointer(0, 0))); // two laps: empty again
    }

    [Fact]
    public void The_largest_queue()
    {
        var p = new QueuePointer(0xF_FFFF, QueuePointer.MaxLog2Size); // index 0x7ffff, wrap bit 19

        Assert.Equal(0x7_FFFFu, p.Index);
        Assert.True(p.Wrap);
        Assert.Equal(0u, p.Advance().Raw); // wraps to 0
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueuePointer(0, 20));
    }

    [Fact]
    public void Pointers_of_different_queues_do_not_compare()
    {
        Assert.Throws<ArgumentException>(() => QueuePointer.IsEmpty(new QueuePointer(0, 3), new QueuePointer(0, 4)));
    }
}
