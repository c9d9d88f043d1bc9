using Emulator.Core.Kernel.Sys;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    private const int FutexWait = 0, FutexWakeCmd = 1, FutexFd = 2, FutexRequeue = 3, FutexCmpRequeue = 4, FutexWakeOp = 5,
        FutexWaitBitset = 9, FutexWakeBitset = 10;
    private const int FutexPrivateFlag = 128, FutexClockRealtime = 256;

    /// <summary>Stands for "a physical address" in a <see cref="FutexKey"/> of a shared mapping.</summary>
    private static readonly object s_physicalFutexSpace = new();

    /// <summary>Waiters per futex word. A word in a private mapping is keyed by (mm, virtual address),
    /// one in a shared mapping by its physical address, so processes sharing memory meet on it
    /// (kernel/futex/core.c get_futex_key).</summary>
    private readonly Dictionary<FutexKey, FutexQueue> _futexes = [];

    private readonly record struct FutexKey(object Space, ulong Address);

    /// <summary>
    /// futex(2): WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET, with or without
    /// FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME. PI futexes and FUTEX_FD are -ENOSYS (glibc uses them
    /// only for priority-inheritance mutexes).
    /// </summary>
    private long Futex(Vcpu v, GuestThread t, ulong uaddr, ulong op, ulong val, ulong timeoutOrVal2, ulong uaddr2, ulong val3)
    {
        int cmd = (int)(op & 0x7f);
        bool realtime = (op & FutexClockRealtime) != 0;
        if (realtime && cmd is not (FutexWaitBitset or FutexWait))
        {
            return Return(Errno.ENOSYS);
        }
        if ((uaddr & 3) != 0)
        {
            return Return(Errno.EINVAL);
        }
        var mm = t.Process.Mm;
        switch (cmd)
        {
            case FutexWait:
                return FutexWaitOn(v, t, uaddr, (uint)val, timeoutOrVal2, absolute: false, realtime, uint.MaxValue);
            case FutexWaitBitset:
                return (uint)val3 == 0 ? Return(Errno.EINVAL) : FutexWaitOn(v, t, uaddr, (uint)val, timeoutOrVal2, absolute: true, realtime, (uint)val3);
            case FutexWakeCmd:
                return FutexWake(mm, uaddr, (int)Math.Min(val, int.MaxValue), uint.MaxValue, shared: (op & FutexPrivateFlag) == 0);
            case FutexWakeBitset:
                return (uint)val3 == 0 ? Return(Errno.EINVAL) : FutexWake(mm, uaddr, (int)Math.Min(val, int.MaxValue), (uint)val3, shared: (op & FutexPrivateFlag) == 0);
            case FutexRequeue:
            case FutexCmpRequeue:
                return FutexRequeueOp(mm, uaddr, uaddr2, (int)Math.Min((uint)val, int.MaxValue), (int)Math.Min((uint)timeoutOrVal2, int.MaxValue),
                    cmd == FutexCmpRequeue ? (uint)val3 : null);
            case FutexWakeOp:
                return FutexWakeOpOp(mm, uaddr, uaddr2, (int)Math.Min((uint)val, int.MaxValue), (int)Math.Min((uint)timeoutOrVal2, int.MaxValue), (uint)val3);
            case FutexFd:
                return Return(Errno.ENOSYS);
            default:
                return Return(Errno.ENOSYS);
        }
    }

    private long FutexWaitOn(Vcpu v, GuestThread t, ulong uaddr, uint expected, ulong timeoutPtr, bool absolute, bool realtime, uint bitset)
    {
        var mm = t.Process.Mm;
        if (GetU32(mm, uaddr, out uint current) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if (current != expected)
        {
            return Return(Errno.EAGAIN);
        }
        long deadline = long.MaxValue;
        if (timeoutPtr != 0)
        {
            long err = CallDeadlineOf(t, timeoutPtr, absolute, realtime, out deadline);
            if (err != 0)
            {
                return err;
            }
            if (deadline <= Now)
            {
                return Return(Errno.ETIMEDOUT);
            }
        }
        if (!TryFutexKey(mm, uaddr, out var key))
        {
            return Return(Errno.EFAULT);
        }
        if (!_futexes.TryGetValue(key, out var q))
        {
            q = new FutexQueue();
            _futexes[key] = q;
        }
        q.Waiters.Add(t);
        t.FutexBitset = bitset;
        return Block(v, q, deadline, WakeMode.Complete, RestartKind.RestartIfSaRestart, -(long)Errno.ETIMEDOUT);
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters of the word whose bitset intersects
    /// <paramref name="bitset"/>, oldest first. Returns how many.</summary>
    private int FutexWake(AddressSpace mm, ulong uaddr, int count, uint bitset, bool shared)
    {
        if (!TryFutexKey(mm, uaddr, out var key) || !_futexes.TryGetValue(key, out var q))
        {
            return 0;
        }
        int woken = 0;
        for (int i = 0; i < q.Waiters.Count && woken < count; i++)
        {
            var w = q.Waiters[i];
            if ((w.FutexBitset & bitset) == 0)
            {
                continue;
            }
            q.Waiters.RemoveAt(i--);
            w.BlockedOn = null;
            Wake(w, 0);
            woken++;
        }
        if (q.Waiters.Count == 0)
        {
            _futexes.Remove(key);
        }
        return woken;
    }

    private long FutexRequeueOp(AddressSpace mm, ulong uaddr, ulong uaddr2, int wake, int requeue, uint? expected)
    {
        if ((uaddr2 & 3) != 0 || wake < 0 || requeue < 0)
        {
            return Return(Errno.EINVAL);
        }
        if (expected is uint e)
        {
            if (GetU32(mm, uaddr, out uint current) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
            if (current != e)
            {
                return Return(Errno.EAGAIN);
            }
        }
        int woken = FutexWake(mm, uaddr, wake, uint.MaxValue, shared: true);
        if (!TryFutexKey(mm, uaddr, out var from) || !_futexes.TryGetValue(from, out var q) || requeue == 0)
        {
            return woken;
        }
        if (!TryFutexKey(mm, uaddr2, out var to))
        {
            return Return(Errno.EFAULT);
        }
        if (!_futexes.TryGetValue(to, out var target))
        {
            target = new FutexQueue();
            _futexes[to] = target;
        }
        int moved = 0;
        while (q.Waiters.Count > 0 && moved < requeue)
        {
            var w = q.Waiters[0];
            q.Waiters.RemoveAt(0);
            target.Waiters.Add(w);
            w.BlockedOn = target;
            moved++;
        }
        if (q.Waiters.Count == 0)
        {
            _futexes.Remove(from);
        }
        return expected is null ? woken : woken + moved;
    }

    /// <summary>FUTEX_WAKE_OP: old = *uaddr2; *uaddr2 = old OP oparg; wake <paramref name="wake"/> on
    /// uaddr; if (old CMP cmparg) wake <paramref name="wake2"/> on uaddr2 (include/uapi/linux/futex.h).</summary>
    private long FutexWakeOpOp(AddressSpace mm, ulong uaddr, ulong uaddr2, int wake, int wake2, uint encoded)
    {
        int opType = (int)(encoded >> 28) & 7;
        bool shiftArg = ((encoded >> 28) & 8) != 0;
        int cmp = (int)(encoded >> 24) & 0xf;
        int oparg = (int)((encoded >> 12) & 0xfff);
        int cmparg = (int)(encoded & 0xfff);
        oparg = (oparg << 20) >> 20; // sign-extend 12 bits
        cmparg = (cmparg << 20) >> 20;
        if (shiftArg)
        {
            if ((uint)oparg > 31)
            {
                return Return(Errno.EINVAL);
            }
            oparg = 1 << oparg;
        }
        if ((uaddr2 & 3) != 0)
        {
            return Return(Errno.EINVAL);
        }
        if (GetU32(mm, uaddr2, out uint old) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        uint updated = opType switch
        {
            0 => (uint)oparg,          // SET
            1 => old + (uint)oparg,    // ADD
            2 => old | (uint)oparg,    // OR
            3 => old & ~(uint)oparg,   // ANDN
            4 => old ^ (uint)oparg,    // XOR
            _ => old,
        };
        if (opType > 4)
        {
            return Return(Errno.ENOSYS);
        }
        if (PutU32(mm, uaddr2, updated) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        int woken = FutexWake(mm, uaddr, wake, uint.MaxValue, shared: true);
        int o = (int)old;
        bool cond = cmp switch
        {
            0 => o == cmparg,
            1 => o != cmparg,
            2 => o < cmparg,
            3 => o <= cmparg,
            4 => o > cmparg,
            5 => o >= cmparg,
            _ => false,
        };
        if (cmp > 5)
        {
            return Return(Errno.ENOSYS);
        }
        if (cond)
        {
            woken += FutexWake(mm, uaddr2, wake2, uint.MaxValue, shared: true);
        }
        return woken;
    }

    /// <summary>The key of the futex word at <paramref name="uaddr"/>; false when it is not mapped.</summary>
    private static bool TryFutexKey(AddressSpace mm, ulong uaddr, out FutexKey key)
    {
        var vma = mm.FindVma(uaddr);
        if (vma is null)
        {
            key = default;
            return false;
        }
        if (!vma.IsShared)
        {
            key = new FutexKey(mm, uaddr);
            return true;
        }
        var pte = mm.LeafEntry(uaddr);
        if (!pte.Present)
        {
            if (mm.HandleFault(uaddr, write: false) != FaultResult.Resolved)
            {
                key = default;
                return false;
            }
            pte = mm.LeafEntry(uaddr);
        }
        key = new FutexKey(s_physicalFutexSpace, pte.Address | (uaddr & Page.Mask));
        return true;
    }

    /// <summary>
    /// The robust-futex list of an exiting thread (kernel/futex/core.c exit_robust_list): for every
    /// held futex whose owner TID is this thread's, set FUTEX_OWNER_DIED, clear the TID and wake one
    /// waiter if FUTEX_WAITERS was set. The list is followed at most 2048 entries (ROBUST_LIST_LIMIT),
    /// and a fault ends the walk, as in Linux.
    /// </summary>
    private void ExitRobustList(GuestThread t)
    {
        const uint Waiters = 0x8000_0000, OwnerDied = 0x4000_0000, TidMask = 0x3fff_ffff;
        const int Limit = 2048;
        var mm = t.Process.Mm;
        ulong head = t.RobustListHead;
        if (head == 0)
        {
            return;
        }
        if (GetU64(mm, head, out ulong entry) != Errno.Ok || GetU64(mm, head + 8, out ulong offset) != Errno.Ok ||
            GetU64(mm, head + 16, out ulong pending) != Errno.Ok)
        {
            return;
        }
        void Handle(ulong node)
        {
            ulong word = node + offset;
            if (GetU32(mm, word, out uint value) != Errno.Ok || (value & TidMask) != (uint)t.Tid)
            {
                return;
            }
            uint updated = (value & Waiters) | OwnerDied;
            if (PutU32(mm, word, updated) == Errno.Ok && (value & Waiters) != 0)
            {
                FutexWake(mm, word, 1, uint.MaxValue, shared: true);
            }
        }
        for (int n = 0; entry != head && entry != 0 && n < Limit; n++)
        {
            ulong next;
            if (GetU64(mm, entry & ~1UL, out next) != Errno.Ok)
            {
                break;
            }
            if ((entry & ~1UL) != pending)
            {
                Handle(entry & ~1UL);
            }
            entry = next;
        }
        if (pending != 0)
        {
            Handle(pending & ~1UL);
        }
    }
}
