namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An anonymous pipe (fs/pipe.c): a ring of page-sized buffers — 16 by default, 64 KiB — with Linux's
/// exact filling rule, so a write of up to PIPE_BUF bytes is atomic and POLLOUT means "a buffer is free".
/// </summary>
/// <remarks>
/// <para>pipe_write: a write first merges its sub-page remainder (count mod 4096) into the last buffer if
/// it fits there, then fills fresh page buffers while one is free. A write of n ≤ 4096 bytes therefore
/// lands whole (merged or in one fresh page) or waits: never interleaved with another writer's bytes.
/// pipe_read: takes bytes buffer by buffer and returns as soon as it has some.</para>
/// <para>Every state change (bytes in, bytes out, an end closed, a resize) calls <see cref="WaitQueue.Wake"/>
/// on <see cref="Queue"/>, after the change, under no lock of the pipe.</para>
/// <para>State is guarded by <see cref="_lock"/>.</para>
/// </remarks>
internal sealed class Pipe
{
    public const int PageSize = 4096;
    public const int DefaultSlots = 16;
    public const int MaxSize = 1 << 20; // /proc/sys/fs/pipe-max-size

    private readonly Lock _lock = new();
    private Slot[] _slots = new Slot[DefaultSlots];
    /// <summary>Emptied page buffers kept for the next writes (Linux keeps one as tmp_page), so a
    /// steady stream through the pipe allocates nothing.</summary>
    private readonly Stack<byte[]> _spare = new();
    private uint _head; // next slot to fill (free-running; the slot is head & (length - 1))
    private uint _tail; // next slot to read
    private int _readers;
    private int _writers;

    private struct Slot
    {
        public byte[]? Page;
        public int Offset;
        public int Length;
    }

    public Pipe(ulong ino, long createdNs)
    {
        Ino = ino;
        Created = Timespec.FromNanoseconds(createdNs);
    }

    public ulong Ino { get; }

    public Timespec Created { get; }

    /// <summary>Woken on every state change; readers and writers (and poll) wait on it.</summary>
    public WaitQueue Queue { get; } = new();

    /// <summary>F_GETPIPE_SZ: the capacity in bytes.</summary>
    public int Capacity
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _slots.Length * PageSize;
            }
        }
    }

    /// <summary>FIONREAD: bytes waiting to be read.</summary>
    public int Available
    {
        get
        {
            using (_lock.EnterScope())
            {
                int n = 0;
                for (uint i = _tail; i != _head; i++)
                {
                    n += At(i).Length;
                }
                return n;
            }
        }
    }

    public void Open(bool reader)
    {
        using (_lock.EnterScope())
        {
            if (reader)
            {
                _readers++;
            }
            else
            {
                _writers++;
            }
        }
    }

    public void Close(bool reader)
    {
        using (_lock.EnterScope())
        {
            if (reader)
            {
                _readers--;
            }
            else
            {
                _writers--;
            }
        }
        Queue.Wake();
    }

    /// <summary>Poll mask of one end (pipe_poll).</summary>
    public short Poll(bool reader, bool writer)
    {
        using (_lock.EnterScope())
        {
            short mask = 0;
            if (reader)
            {
                if (_head != _tail)
                {
                    mask |= FsAbi.PollIn | FsAbi.PollRdnorm;
                }
                if (_writers == 0)
                {
                    mask |= FsAbi.PollHup;
                }
            }
            if (writer)
            {
                if (!Full)
                {
                    mask |= FsAbi.PollOut | FsAbi.PollWrnorm;
                }
                if (_readers == 0)
                {
                    mask |= FsAbi.PollErr;
                }
            }
            return mask;
        }
    }

    /// <summary>pipe_read into the user buffers.</summary>
    /// <returns>Bytes read; 0 at end of file (no writers); -EAGAIN (non-blocking and empty); -EFAULT;
    /// or <see cref="WouldBlock"/> with the token to wait on.</returns>
    public long Read(IFileSyscallContext ctx, ref UserIo io, bool nonBlocking, out WaitToken token)
    {
        token = Queue.Prepare();
        if (io.Remaining == 0)
        {
            return 0;
        }
        long total = 0;
        bool faulted = false;
        using (_lock.EnterScope())
        {
            while (_head != _tail && io.Remaining > 0)
            {
                ref var slot = ref At(_tail);
                int n = io.CopyOut(ctx, slot.Page.AsSpan(slot.Offset, (int)Math.Min(slot.Length, io.Remaining)));
                total += n;
                slot.Offset += n;
                slot.Length -= n;
                if (slot.Length == 0)
                {
                    if (_spare.Count < DefaultSlots)
                    {
                        _spare.Push(slot.Page!);
                    }
                    slot = default;
                    _tail++;
                }
                if (io.Faulted)
                {
                    faulted = true;
                    break;
                }
            }
            if (total == 0 && !faulted)
            {
                if (_writers == 0)
                {
                    return 0;
                }
                return nonBlocking ? KernelErrno.Return(Errno.EAGAIN) : WouldBlock;
            }
        }
        if (total > 0)
        {
            Queue.Wake();
        }
        return total > 0 ? total : KernelErrno.Return(Errno.EFAULT);
    }

    /// <summary>pipe_write from the user buffers; <paramref name="resumed"/> says the call already wrote
    /// some bytes before blocking (the merge step ran then and is not repeated).</summary>
    /// <param name="ctx">The writer.</param>
    /// <param name="io">The bytes still to write.</param>
    /// <param name="resumed">Bytes were written by an earlier execution of this call.</param>
    /// <param name="written">Bytes written by this execution, whatever the outcome.</param>
    /// <param name="token">The queue to wait on when the outcome is <see cref="PipeWriteOutcome.Full"/>,
    /// prepared before the state was examined.</param>
    public PipeWriteOutcome Write(IFileSyscallContext ctx, ref UserIo io, bool resumed, out long written, out WaitToken token)
    {
        token = Queue.Prepare();
        written = 0;
        PipeWriteOutcome outcome;
        using (_lock.EnterScope())
        {
            outcome = WriteLocked(ctx, ref io, resumed, ref written);
        }
        if (written > 0)
        {
            Queue.Wake();
        }
        return outcome;
    }

    /// <summary>Sentinel of <see cref="Read"/>: block on the token.</summary>
    public const long WouldBlock = long.MinValue;

    private bool Full => _head - _tail >= (uint)_slots.Length;

    private ref Slot At(uint index) => ref _slots[index & (uint)(_slots.Length - 1)];

    private PipeWriteOutcome WriteLocked(IFileSyscallContext ctx, ref UserIo io, bool resumed, ref long total)
    {
        if (io.Remaining == 0)
        {
            return PipeWriteOutcome.Complete;
        }
        if (_readers == 0)
        {
            return PipeWriteOutcome.Broken;
        }
        int chars = (int)(io.Remaining & (PageSize - 1));
        if (!resumed && chars != 0 && _head != _tail)
        {
            ref var last = ref At(_head - 1);
            int end = last.Offset + last.Length;
            if (end + chars <= PageSize)
            {
                int n = io.CopyIn(ctx, last.Page.AsSpan(end, chars));
                last.Length += n;
                total += n;
                if (io.Faulted)
                {
                    return PipeWriteOutcome.Fault;
                }
                if (io.Remaining == 0)
                {
                    return PipeWriteOutcome.Complete;
                }
            }
        }
        while (true)
        {
            if (_readers == 0)
            {
                return PipeWriteOutcome.Broken;
            }
            if (!Full)
            {
                var page = _spare.Count > 0 ? _spare.Pop() : new byte[PageSize];
                int n = io.CopyIn(ctx, page);
                if (n > 0)
                {
                    At(_head) = new Slot { Page = page, Offset = 0, Length = n };
                    _head++;
                    total += n;
                }
                else
                {
                    _spare.Push(page);
                }
                if (io.Faulted)
                {
                    return PipeWriteOutcome.Fault;
                }
                if (io.Remaining == 0)
                {
                    return PipeWriteOutcome.Complete;
                }
                continue;
            }
            return PipeWriteOutcome.Full;
        }
    }

    /// <summary>F_SETPIPE_SZ: the capacity rounded up to a power-of-two number of pages (at least one).</summary>
    /// <returns>The new capacity, or -EBUSY (more bytes queued than fit), -EPERM (over pipe-max-size).</returns>
    public long Resize(long size)
    {
        if (size <= 0 || size > MaxSize)
        {
            return size > MaxSize ? KernelErrno.Return(Errno.EPERM) : KernelErrno.Return(Errno.EINVAL);
        }
        int slots = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)((size + PageSize - 1) / PageSize));
        using (_lock.EnterScope())
        {
            uint used = _head - _tail;
            if (used > slots)
            {
                return KernelErrno.Return(Errno.EBUSY);
            }
            var resized = new Slot[slots];
            for (uint i = 0; i < used; i++)
            {
                resized[i] = At(_tail + i);
            }
            _slots = resized;
            _tail = 0;
            _head = used;
        }
        Queue.Wake();
        return (long)slots * PageSize;
    }
}
