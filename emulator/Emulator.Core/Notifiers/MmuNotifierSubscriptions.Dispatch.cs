using Emulator.Core.Diagnostics;
namespace Emulator.Core.Notifiers;

public sealed partial class MmuNotifierSubscriptions
{
    /// <summary>
    /// Announces that translations in <paramref name="range"/> are about to change (Linux
    /// <c>mmu_notifier_invalidate_range_start</c>): interval subscriptions first, then the list.
    /// The mm calls it with the mmap lock held and must call <see cref="InvalidateRangeEnd"/> with the
    /// same range once the change is complete — unless this returned <see cref="Errno.EAGAIN"/>.
    /// </summary>
    /// <returns>
    /// <see cref="Errno.Ok"/>, or <see cref="Errno.EAGAIN"/> when the range is not blockable and a
    /// subscriber asked to try again. On EAGAIN everything already started has been ended, including
    /// the interval-tree invalidation (a deliberate difference from Linux, whose hlist unwinding leaves
    /// an already-started itree invalidation to the caller), so the caller only has to give up.
    /// </returns>
    /// <exception cref="InvalidOperationException">A subscriber answered "try again" to a blockable range.</exception>
    public Errno InvalidateRangeStart(in MmuNotifierRange range)
    {
        AssertMmapLockHeld();
        bool itree = Volatile.Read(ref _hasItree);
        if (itree)
        {
            var err = ItreeInvalidate(range);
            if (err != Errno.Ok)
            {
                return err;
            }
        }
        var list = Volatile.Read(ref _list);
        if (list.Length == 0)
        {
            return Errno.Ok;
        }
        int idx = _srcu.ReadLock();
        try
        {
            for (int i = 0; i < list.Length; i++)
            {
                var sub = list[i];
                var ops = Call(sub);
                Errno r;
                if (TraceEvents.On) TraceEvents.Emit(TraceEventId.NotifierStart, range.Start, range.End, (ulong)range.Event, 0, sub);
                try
                {
                    r = ops.InvalidateRangeStart(sub, range);
                }
                finally
                {
                    t_callbackDepth--;
                }
                if (r == Errno.Ok)
                {
                    continue;
                }
                if (range.IsBlockable || r != Errno.EAGAIN)
                {
                    throw new InvalidOperationException(
                        $"{ops.GetType().Name}.InvalidateRangeStart answered {r} for {range}; only EAGAIN for a non-blockable range is allowed");
                }
                // Unwind: everyone whose start succeeded expects its end.
                for (int j = 0; j < i; j++)
                {
                    var done = list[j];
                    var dops = Call(done);
                    try
                    {
                        dops.InvalidateRangeEnd(done, range);
                    }
                    finally
                    {
                        t_callbackDepth--;
                    }
                }
                if (itree)
                {
                    ItreeInvalidateEnd();
                }
                return r;
            }
            return Errno.Ok;
        }
        finally
        {
            _srcu.ReadUnlock(idx);
        }
    }

    /// <summary>Ends an invalidation started by <see cref="InvalidateRangeStart"/> (Linux
    /// <c>mmu_notifier_invalidate_range_end</c>): the interval tree first, then the list.</summary>
    public void InvalidateRangeEnd(in MmuNotifierRange range)
    {
        AssertMmapLockHeld();
        if (Volatile.Read(ref _hasItree))
        {
            ItreeInvalidateEnd();
        }
        var list = Volatile.Read(ref _list);
        if (list.Length == 0)
        {
            return;
        }
        int idx = _srcu.ReadLock();
        try
        {
            foreach (var sub in list)
            {
                var ops = Call(sub);
                if (TraceEvents.On) TraceEvents.Emit(TraceEventId.NotifierEnd, range.Start, range.End, (ulong)range.Event, 0, sub);
                try
                {
                    ops.InvalidateRangeEnd(sub, range);
                }
                finally
                {
                    t_callbackDepth--;
                }
            }
        }
        finally
        {
            _srcu.ReadUnlock(idx);
        }
    }

    /// <summary>
    /// Invalidates secondary TLBs for [start, end) (Linux
    /// <c>mmu_notifier_arch_invalidate_secondary_tlbs</c>). The mm calls it after flushing CPU TLBs
    /// and before freeing any frame it unmapped; it returns when every subscriber is done.
    /// </summary>
    public void ArchInvalidateSecondaryTlbs(ulong start, ulong end)
    {
        var list = Volatile.Read(ref _list);
        if (list.Length == 0)
        {
            return;
        }
        int idx = _srcu.ReadLock();
        try
        {
            foreach (var sub in list)
            {
                var ops = Call(sub);
                if (TraceEvents.On) TraceEvents.Emit(TraceEventId.NotifierSecondary, start, end, 0, 0, sub);
                try
                {
                    ops.ArchInvalidateSecondaryTlbs(sub, _mm, start, end);
                }
                finally
                {
                    t_callbackDepth--;
                }
            }
        }
        finally
        {
            _srcu.ReadUnlock(idx);
        }
    }

    /// <summary>Asks every subscriber to clear and flush the young state of [start, end); true if any page was young.</summary>
    public bool ClearFlushYoung(ulong start, ulong end) => Young(YoungKind.ClearFlush, start, end);

    /// <summary>Asks every subscriber to clear the young state of [start, end) without flushing; true if any page was young.</summary>
    public bool ClearYoung(ulong start, ulong end) => Young(YoungKind.Clear, start, end);

    /// <summary>True if any subscriber reports the page at <paramref name="address"/> young.</summary>
    public bool TestYoung(ulong address) => Young(YoungKind.Test, address, address + 1);

    private enum YoungKind : byte
    {
        ClearFlush,
        Clear,
        Test,
    }

    private bool Young(YoungKind kind, ulong start, ulong end)
    {
        var list = Volatile.Read(ref _list);
        if (list.Length == 0)
        {
            return false;
        }
        bool young = false;
        int idx = _srcu.ReadLock();
        try
        {
            foreach (var sub in list)
            {
                var ops = Call(sub);
                try
                {
                    young |= kind switch
                    {
                        YoungKind.ClearFlush => ops.ClearFlushYoung(sub, _mm, start, end),
                        YoungKind.Clear => ops.ClearYoung(sub, _mm, start, end),
                        _ => ops.TestYoung(sub, _mm, start),
                    };
                }
                finally
                {
                    t_callbackDepth--;
                }
            }
        }
        finally
        {
            _srcu.ReadUnlock(idx);
        }
        return young;
    }

    /// <summary>
    /// The mm is exiting (Linux <c>mmu_notifier_release</c>, called from exit_mmap before the page
    /// tables are torn down, without the mmap lock). Runs every listed subscription's Release —
    /// exactly once, even against a concurrent <see cref="Unregister"/> — unpublishes them all, then
    /// invalidates every interval subscription with a <see cref="MmuNotifierEvent.Release"/> range,
    /// and waits for a grace period so no callback is running when it returns.
    /// </summary>
    public void Release()
    {
        _mm.MmapLock.AssertNotHeld();
        int idx = _srcu.ReadLock();
        try
        {
            var list = Volatile.Read(ref _list);
            foreach (var sub in list)
            {
                if (!sub.TryBeginRelease())
                {
                    continue; // an Unregister got there first and runs it
                }
                var ops = Call(sub);
                try
                {
                    ops.Release(sub, _mm);
                }
                finally
                {
                    t_callbackDepth--;
                }
            }
            using (_lock.Enter())
            {
                foreach (var sub in _list)
                {
                    sub.OnList = false;
                }
                Volatile.Write(ref _list, []);
            }
        }
        finally
        {
            _srcu.ReadUnlock(idx);
        }

        if (Volatile.Read(ref _hasItree))
        {
            var range = new MmuNotifierRange(_mm, 0, ulong.MaxValue, MmuNotifierEvent.Release);
            ItreeInvalidate(range);
            ItreeInvalidateEnd();
        }
        _srcu.Synchronize();
    }
}
