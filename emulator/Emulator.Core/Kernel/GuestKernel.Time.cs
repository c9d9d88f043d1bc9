using Emulator.Core.Kernel.Sys;
using System.Buffers.Binary;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    private const long NsPerSecond = 1_000_000_000;

    /// <summary>CLOCK_REALTIME minus CLOCK_MONOTONIC, in nanoseconds.</summary>
    private long RealtimeOffset => _options.RealtimeEpochSeconds * NsPerSecond;

    private static long SaturatingAdd(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    /// <summary>Reads a <c>struct timespec</c>; 0, -EFAULT, or -EINVAL (negative, or nanoseconds ≥ 1e9).</summary>
    private static long ReadTimespec(AddressSpace mm, ulong va, out long ns)
    {
        Span<byte> b = stackalloc byte[16];
        ns = 0;
        if (mm.ReadUser(va, b, out _) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        long sec = BinaryPrimitives.ReadInt64LittleEndian(b);
        long nsec = BinaryPrimitives.ReadInt64LittleEndian(b[8..]);
        if (sec < 0 || nsec is < 0 or >= NsPerSecond)
        {
            return Return(Errno.EINVAL);
        }
        ns = sec > long.MaxValue / NsPerSecond - 1 ? long.MaxValue : sec * NsPerSecond + nsec;
        return 0;
    }

    /// <summary>
    /// The absolute deadline (on the monotonic clock) of a call's timeout at <paramref name="timespec"/>:
    /// computed at the call's first execution and kept in <see cref="GuestThread.CallDeadline"/>, so a
    /// restarted call keeps its original deadline instead of starting the timeout again.
    /// </summary>
    /// <param name="t">The calling thread.</param>
    /// <param name="timespec">The user's <c>struct timespec</c>.</param>
    /// <param name="absolute">The time is a point on the clock (TIMER_ABSTIME, FUTEX_WAIT_BITSET), not a duration.</param>
    /// <param name="realtime">An absolute time is on CLOCK_REALTIME rather than CLOCK_MONOTONIC.</param>
    /// <param name="deadline">The deadline.</param>
    /// <returns>0, or -EFAULT / -EINVAL for the timespec.</returns>
    private long CallDeadlineOf(GuestThread t, ulong timespec, bool absolute, bool realtime, out long deadline)
    {
        if (t.CallDeadline != long.MinValue)
        {
            deadline = t.CallDeadline;
            return 0;
        }
        long err = ReadTimespec(t.Process.Mm, timespec, out long ns);
        if (err != 0)
        {
            deadline = 0;
            return err;
        }
        deadline = absolute ? (realtime ? ns - RealtimeOffset : ns) : SaturatingAdd(Now, ns);
        t.CallDeadline = deadline;
        return 0;
    }

    private Errno WriteTimespec(AddressSpace mm, ulong va, long ns)
    {
        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(b, ns / NsPerSecond);
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], ns % NsPerSecond);
        return CopyToUser(mm, va, b);
    }

    /// <summary>The clock <paramref name="clock"/> in nanoseconds, or null for an unknown clock.</summary>
    /// <remarks>REALTIME (0, 5, 8, 11) = the epoch option + the virtual clock; MONOTONIC (1, 4, 6, 7, 9)
    /// = the virtual clock; PROCESS_CPUTIME (2) and THREAD_CPUTIME (3) = instructions retired by the
    /// process or thread.</remarks>
    private long? ClockValue(GuestThread? t, ulong clock) => clock switch
    {
        0 or 5 or 8 or 11 => Now + RealtimeOffset,
        1 or 4 or 6 or 7 or 9 => Now,
        2 => (t?.Process.Instructions ?? 0) * _options.NanosecondsPerInstruction,
        3 => (t?.Instructions ?? 0) * _options.NanosecondsPerInstruction,
        _ => null,
    };

    /// <summary>clock_gettime(2) on the virtual clock.</summary>
    private long ClockGetTime(GuestThread t, ulong clock, ulong ts)
    {
        if (ClockValue(t, clock) is not long ns)
        {
            return Return(Errno.EINVAL);
        }
        return WriteTimespec(t.Process.Mm, ts, ns) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>clock_getres(2): 1 ns for the fine clocks, 4 ms for the coarse ones (CONFIG_HZ=250).</summary>
    private long ClockGetRes(GuestProcess p, ulong clock, ulong ts)
    {
        if (ClockValue(null, clock) is null)
        {
            return Return(Errno.EINVAL);
        }
        long res = clock is 5 or 6 ? 4_000_000 : 1;
        return ts == 0 || WriteTimespec(p.Mm, ts, res) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    /// <summary>gettimeofday(2): CLOCK_REALTIME as a timeval; the timezone is UTC.</summary>
    private long GetTimeOfDay(GuestProcess p, ulong tv, ulong tz)
    {
        long ns = Now + RealtimeOffset;
        Span<byte> b = stackalloc byte[16];
        if (tv != 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(b, ns / NsPerSecond);
            BinaryPrimitives.WriteInt64LittleEndian(b[8..], ns % NsPerSecond / 1000);
            if (CopyToUser(p.Mm, tv, b) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        if (tz != 0)
        {
            b[..8].Clear();
            if (CopyToUser(p.Mm, tz, b[..8]) != Errno.Ok)
            {
                return Return(Errno.EFAULT);
            }
        }
        return 0;
    }

    /// <summary>time(2).</summary>
    private long Time(GuestProcess p, ulong tloc)
    {
        long sec = (Now + RealtimeOffset) / NsPerSecond;
        return tloc == 0 || PutU64(p.Mm, tloc, (ulong)sec) == Errno.Ok ? sec : Return(Errno.EFAULT);
    }

    /// <summary>
    /// nanosleep(2) and clock_nanosleep(2) (TIMER_ABSTIME = 1) in virtual time: the thread sleeps until
    /// the clock reaches the deadline. A signal handler interrupts it with -EINTR, writing the time left
    /// to <paramref name="remaining"/> (relative sleeps only).
    /// </summary>
    private long Nanosleep(Vcpu v, GuestThread t, ulong clock, ulong flags, ulong request, ulong remaining)
    {
        const ulong AbsTime = 1;
        var mm = t.Process.Mm;
        if (clock is 2 or 3 || ClockValue(t, clock) is null)
        {
            return Return(clock == 3 ? Errno.EINVAL : clock == 2 ? Errno.EOPNOTSUPP : Errno.EINVAL);
        }
        long err = CallDeadlineOf(t, request, (flags & AbsTime) != 0, realtime: clock is 0 or 5 or 8 or 11, out long deadline);
        if (err != 0)
        {
            return err;
        }
        if (deadline <= Now)
        {
            return 0;
        }
        t.SleepRemainingPtr = (flags & AbsTime) == 0 ? remaining : 0;
        return Block(v, null, deadline, WakeMode.Complete, RestartKind.Interrupt, 0);
    }

    /// <summary>alarm(2): ITIMER_REAL without an interval; returns the seconds left on the previous one
    /// (rounded to nearest, at least 1 if armed).</summary>
    private long Alarm(GuestProcess p, ulong seconds)
    {
        long left = p.AlarmDeadline == long.MaxValue ? 0 : Math.Max(1, (p.AlarmDeadline - Now + NsPerSecond / 2) / NsPerSecond);
        ArmAlarm(p, seconds == 0 ? 0 : (long)Math.Min(seconds, (ulong)int.MaxValue) * NsPerSecond, 0);
        return left;
    }

    /// <summary>setitimer(2): ITIMER_REAL (0) in virtual time; ITIMER_VIRTUAL/PROF are -EINVAL here.</summary>
    private long Setitimer(GuestProcess p, ulong which, ulong newValue, ulong oldValue)
    {
        if (which != 0)
        {
            return Return(Errno.EINVAL);
        }
        if (oldValue != 0 && Getitimer(p, which, oldValue) != 0)
        {
            return Return(Errno.EFAULT);
        }
        if (newValue == 0)
        {
            return 0; // Linux treats a NULL new value as disarming with a warning; glibc never passes it
        }
        Span<byte> b = stackalloc byte[32];
        if (CopyFromUser(p.Mm, newValue, b) != Errno.Ok)
        {
            return Return(Errno.EFAULT);
        }
        if (!TryTimeval(b, out long interval) || !TryTimeval(b[16..], out long value))
        {
            return Return(Errno.EINVAL);
        }
        ArmAlarm(p, value, interval);
        return 0;
    }

    private static bool TryTimeval(ReadOnlySpan<byte> b, out long ns)
    {
        long sec = BinaryPrimitives.ReadInt64LittleEndian(b);
        long usec = BinaryPrimitives.ReadInt64LittleEndian(b[8..]);
        ns = 0;
        if (sec < 0 || usec is < 0 or >= 1_000_000)
        {
            return false;
        }
        ns = sec > long.MaxValue / NsPerSecond - 1 ? long.MaxValue / 2 : sec * NsPerSecond + usec * 1000;
        return true;
    }

    /// <summary>getitimer(2): the time left and the interval of ITIMER_REAL.</summary>
    private long Getitimer(GuestProcess p, ulong which, ulong value)
    {
        if (which > 2)
        {
            return Return(Errno.EINVAL);
        }
        long left = which == 0 && p.AlarmDeadline != long.MaxValue ? Math.Max(0, p.AlarmDeadline - Now) : 0;
        long interval = which == 0 ? p.AlarmInterval : 0;
        Span<byte> b = stackalloc byte[32];
        BinaryPrimitives.WriteInt64LittleEndian(b, interval / NsPerSecond);
        BinaryPrimitives.WriteInt64LittleEndian(b[8..], interval % NsPerSecond / 1000);
        BinaryPrimitives.WriteInt64LittleEndian(b[16..], left / NsPerSecond);
        BinaryPrimitives.WriteInt64LittleEndian(b[24..], left % NsPerSecond / 1000);
        return CopyToUser(p.Mm, value, b) == Errno.Ok ? 0 : Return(Errno.EFAULT);
    }

    private void ArmAlarm(GuestProcess p, long valueNs, long intervalNs)
    {
        if (valueNs == 0)
        {
            if (p.AlarmDeadline != long.MaxValue)
            {
                _alarms.Remove(p);
            }
            p.AlarmDeadline = long.MaxValue;
            p.AlarmInterval = 0;
            return;
        }
        if (p.AlarmDeadline == long.MaxValue)
        {
            _alarms.Add(p);
        }
        p.AlarmDeadline = SaturatingAdd(Now, valueNs);
        p.AlarmInterval = intervalNs;
    }

    /// <summary>A relative nanosleep ended early by a signal handler: the time left goes to its rem argument.</summary>
    private void WriteSleepRemaining(GuestThread t, long deadline)
    {
        if (t.SleepRemainingPtr != 0)
        {
            WriteTimespec(t.Process.Mm, t.SleepRemainingPtr, Math.Max(0, deadline - Now));
            t.SleepRemainingPtr = 0;
        }
    }
}
