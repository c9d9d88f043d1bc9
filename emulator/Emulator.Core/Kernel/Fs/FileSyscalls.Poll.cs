using System.Buffers;
using System.Buffers.Binary;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    // fs/select.c: the poll bits that make a descriptor readable, writable or exceptional for select.
    private const short PollInSet = PollRdnorm | PollRdband | PollIn | PollHup | PollErr;
    private const short PollOutSet = PollWrband | PollWrnorm | PollOut | PollErr;
    private const short PollExSet = PollPri;

    /// <summary>The absolute deadline of this call, computed on its first execution and kept across
    /// re-executions (<see cref="IFileSyscallContext.CallDeadline"/>).</summary>
    private static long Deadline(IFileSyscallContext ctx, long timeoutNs)
    {
        ref long slot = ref ctx.CallDeadline;
        if (slot == Unset)
        {
            long now = ctx.NowNanoseconds;
            slot = timeoutNs == long.MaxValue ? long.MaxValue : timeoutNs > long.MaxValue - now ? long.MaxValue : now + timeoutNs;
        }
        return slot;
    }

    /// <summary>The description for poll/select, or null when the descriptor is not open (an O_PATH
    /// descriptor counts as not open, as fdget sees it).</summary>
    private static FileDescription? AcquireForPoll(IFileSyscallContext ctx, int fd)
    {
        var file = ctx.Files.Acquire(fd);
        if (file is { IsPathOnly: true })
        {
            file.Release();
            return null;
        }
        return file;
    }

    /// <summary>poll and ppoll: revents for every entry (POLLNVAL for a closed descriptor, 0 for a negative
    /// one); the count of entries with events, 0 once the deadline passed, or a block until a polled queue
    /// wakes or the deadline comes.</summary>
    /// <param name="ctx">The caller.</param>
    /// <param name="fdsVa">The pollfd array.</param>
    /// <param name="nfds">Its length: more than RLIMIT_NOFILE is EINVAL.</param>
    /// <param name="timeoutNs">Relative timeout; <see cref="long.MaxValue"/> for none.</param>
    /// <param name="tspVa">ppoll's timespec, updated with the time left (0: none).</param>
    /// <param name="ppoll">ppoll semantics for the remaining-time update.</param>
    private static long PollCall(IFileSyscallContext ctx, ulong fdsVa, ulong nfds, long timeoutNs, ulong tspVa, bool ppoll)
    {
        if (nfds > (ulong)ctx.Files.Limit)
        {
            return Ret(Errno.EINVAL);
        }
        long deadline = Deadline(ctx, timeoutNs);
        int n = (int)nfds;
        byte[] raw = ArrayPool<byte>.Shared.Rent(Math.Max(n * PollFd.Size, 1));
        WaitToken[] tokens = ArrayPool<WaitToken>.Shared.Rent(Math.Max(n, 1));
        try
        {
            var bytes = raw.AsSpan(0, n * PollFd.Size);
            var err = ReadUser(ctx, fdsVa, bytes);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            int ready = 0, waits = 0;
            for (int i = 0; i < n; i++)
            {
                var entry = bytes.Slice(i * PollFd.Size, PollFd.Size);
                var pfd = PollFd.Read(entry);
                short revents = 0;
                if (pfd.Fd >= 0)
                {
                    var file = AcquireForPoll(ctx, pfd.Fd);
                    if (file is null)
                    {
                        revents = PollNval;
                    }
                    else
                    {
                        if (file.PollQueue is { } q)
                        {
                            tokens[waits++] = q.Prepare();
                        }
                        revents = (short)(file.Poll() & (pfd.Events | PollErr | PollHup));
                        file.Release();
                    }
                }
                BinaryPrimitives.WriteInt16LittleEndian(entry[PollFd.OffsetRevents..], revents);
                if (revents != 0)
                {
                    ready++;
                }
            }
            if (ready == 0 && ctx.NowNanoseconds < deadline)
            {
                if (!ctx.SignalPending)
                {
                    return ctx.Block(tokens.AsSpan(0, waits), deadline);
                }
                return Finish(ctx, ERestartNoHand, deadline, timeoutNs, tspVa, ppoll ? PollTime.Timespec : PollTime.None);
            }
            // Only revents changes, entry by entry, as Linux's __put_user of each revents.
            for (int i = 0; i < n; i++)
            {
                if (WriteUser(ctx, fdsVa + (ulong)(i * PollFd.Size + PollFd.OffsetRevents),
                        bytes.Slice(i * PollFd.Size + PollFd.OffsetRevents, 2)) != Errno.Ok)
                {
                    return Ret(Errno.EFAULT);
                }
            }
            return Finish(ctx, ready, deadline, timeoutNs, tspVa, ppoll ? PollTime.Timespec : PollTime.None);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<WaitToken>.Shared.Return(tokens, clearArray: true);
        }
    }

    private enum PollTime : byte
    {
        None,
        Timespec,
        Timeval,
    }

    /// <summary>poll_select_finish: writes the time left back to a ppoll/select/pselect6 timeout (not for a
    /// zero or absent one); a timeout in unwritable memory turns a restart into EINTR.</summary>
    private static long Finish(IFileSyscallContext ctx, long result, long deadline, long timeoutNs, ulong va, PollTime kind)
    {
        if (kind == PollTime.None || va == 0 || timeoutNs == 0 || timeoutNs == long.MaxValue)
        {
            return result;
        }
        long left = Math.Max(0, deadline - ctx.NowNanoseconds);
        Span<byte> b = stackalloc byte[16];
        if (kind == PollTime.Timespec)
        {
            Timespec.FromNanoseconds(left).Write(b);
        }
        else
        {
            Timeval.FromNanoseconds(left).Write(b);
        }
        if (WriteUser(ctx, va, b) == Errno.Ok)
        {
            return result;
        }
        return result == ERestartNoHand ? Ret(Errno.EINTR) : result;
    }

    /// <summary>ppoll(fds, nfds, tsp, sigmask, sigsetsize): EINVAL for a bad timespec or a sigsetsize other than 8.</summary>
    private static long PpollCall(IFileSyscallContext ctx, ulong fdsVa, ulong nfds, ulong tspVa, ulong sigmaskVa, ulong sigsetsize)
    {
        var err = ReadTimeout(ctx, tspVa, timeval: false, out long timeoutNs);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        err = ApplySigmask(ctx, sigmaskVa, sigsetsize);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        return PollCall(ctx, fdsVa, nfds, timeoutNs, tspVa, ppoll: true);
    }

    private static Errno ApplySigmask(IFileSyscallContext ctx, ulong sigmaskVa, ulong sigsetsize)
    {
        if (sigmaskVa == 0)
        {
            return Errno.Ok;
        }
        if (sigsetsize != 8)
        {
            return Errno.EINVAL;
        }
        ulong mask = (ulong)ReadLong(ctx, sigmaskVa, out var err);
        if (err == Errno.Ok)
        {
            ctx.SetCallSignalMask(mask);
        }
        return err;
    }

    /// <summary>A relative timeout (timespec or timeval) in nanoseconds; NULL is "none" (long.MaxValue).</summary>
    private static Errno ReadTimeout(IFileSyscallContext ctx, ulong va, bool timeval, out long timeoutNs)
    {
        timeoutNs = long.MaxValue;
        if (va == 0)
        {
            return Errno.Ok;
        }
        Span<byte> b = stackalloc byte[16];
        var err = ReadUser(ctx, va, b);
        if (err != Errno.Ok)
        {
            return err;
        }
        Timespec ts;
        if (timeval)
        {
            var tv = Timeval.Read(b);
            if (!tv.IsValid)
            {
                return Errno.EINVAL;
            }
            ts = tv.ToTimespec();
        }
        else
        {
            ts = Timespec.Read(b);
            if (!ts.IsValidTimeout)
            {
                return Errno.EINVAL;
            }
        }
        timeoutNs = ts.ToNanoseconds();
        return Errno.Ok;
    }

    private static long SelectCall(IFileSyscallContext ctx, int nfds, ulong readVa, ulong writeVa, ulong exceptVa, ulong tvVa)
    {
        var err = ReadTimeout(ctx, tvVa, timeval: true, out long timeoutNs);
        return err != Errno.Ok ? Ret(err) : DoSelect(ctx, nfds, readVa, writeVa, exceptVa, timeoutNs, tvVa, PollTime.Timeval);
    }

    /// <summary>pselect6: the sixth argument points to {const sigset_t *ss; size_t ss_len}.</summary>
    private static long Pselect6Call(IFileSyscallContext ctx, int nfds, ulong readVa, ulong writeVa, ulong exceptVa, ulong tsVa, ulong sigVa)
    {
        var err = ReadTimeout(ctx, tsVa, timeval: false, out long timeoutNs);
        if (err != Errno.Ok)
        {
            return Ret(err);
        }
        if (sigVa != 0)
        {
            Span<byte> b = stackalloc byte[16];
            err = ReadUser(ctx, sigVa, b);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            err = ApplySigmask(ctx, BinaryPrimitives.ReadUInt64LittleEndian(b), BinaryPrimitives.ReadUInt64LittleEndian(b[8..]));
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
        }
        return DoSelect(ctx, nfds, readVa, writeVa, exceptVa, timeoutNs, tsVa, PollTime.Timespec);
    }

    /// <summary>core_sys_select/do_select: nfds &lt; 0 is EINVAL, nfds past the table is clamped, a set bit
    /// for a closed descriptor is EBADF. Ready sets are written back (all zero on timeout).</summary>
    private static long DoSelect(IFileSyscallContext ctx, int nfds, ulong readVa, ulong writeVa, ulong exceptVa,
        long timeoutNs, ulong timeVa, PollTime kind)
    {
        if (nfds < 0)
        {
            return Ret(Errno.EINVAL);
        }
        nfds = Math.Min(nfds, Math.Max(ctx.Files.Capacity, ctx.Files.Limit));
        long deadline = Deadline(ctx, timeoutNs);
        int words = (nfds + 63) / 64;
        int setBytes = words * 8;
        byte[] raw = ArrayPool<byte>.Shared.Rent(Math.Max(6 * setBytes, 1));
        WaitToken[] tokens = ArrayPool<WaitToken>.Shared.Rent(Math.Max(nfds, 1));
        try
        {
            var all = raw.AsSpan(0, 6 * setBytes);
            all.Clear();
            Span<byte> inSet = all[..setBytes], outSet = all.Slice(setBytes, setBytes), exSet = all.Slice(2 * setBytes, setBytes);
            Span<byte> resIn = all.Slice(3 * setBytes, setBytes), resOut = all.Slice(4 * setBytes, setBytes), resEx = all.Slice(5 * setBytes, setBytes);
            for (int set = 0; set < 3; set++)
            {
                ulong va = set == 0 ? readVa : set == 1 ? writeVa : exceptVa;
                if (va != 0)
                {
                    var err = ReadUser(ctx, va, all.Slice(set * setBytes, setBytes));
                    if (err != Errno.Ok)
                    {
                        return Ret(err);
                    }
                }
            }
            int ready = 0, waits = 0;
            for (int fd = 0; fd < nfds; fd++)
            {
                int bit = 1 << (fd & 7), at = fd >> 3;
                bool wantIn = (inSet[at] & bit) != 0, wantOut = (outSet[at] & bit) != 0, wantEx = (exSet[at] & bit) != 0;
                if (!wantIn && !wantOut && !wantEx)
                {
                    continue;
                }
                var file = AcquireForPoll(ctx, fd);
                if (file is null)
                {
                    return Ret(Errno.EBADF);
                }
                if (file.PollQueue is { } q)
                {
                    tokens[waits++] = q.Prepare();
                }
                short mask = file.Poll();
                file.Release();
                if (wantIn && (mask & PollInSet) != 0)
                {
                    resIn[at] |= (byte)bit;
                    ready++;
                }
                if (wantOut && (mask & PollOutSet) != 0)
                {
                    resOut[at] |= (byte)bit;
                    ready++;
                }
                if (wantEx && (mask & PollExSet) != 0)
                {
                    resEx[at] |= (byte)bit;
                    ready++;
                }
            }
            if (ready == 0 && ctx.NowNanoseconds < deadline)
            {
                if (!ctx.SignalPending)
                {
                    return ctx.Block(tokens.AsSpan(0, waits), deadline);
                }
                return Finish(ctx, ERestartNoHand, deadline, timeoutNs, timeVa, kind);
            }
            for (int set = 0; set < 3; set++)
            {
                ulong va = set == 0 ? readVa : set == 1 ? writeVa : exceptVa;
                if (va != 0 && WriteUser(ctx, va, all.Slice((set + 3) * setBytes, setBytes)) != Errno.Ok)
                {
                    return Ret(Errno.EFAULT);
                }
            }
            return Finish(ctx, ready, deadline, timeoutNs, timeVa, kind);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
            ArrayPool<WaitToken>.Shared.Return(tokens, clearArray: true);
        }
    }
}
