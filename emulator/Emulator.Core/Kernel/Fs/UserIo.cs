using Emulator.Core.Memory;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// A cursor over the user buffers of one read or write (Linux's iov_iter): one segment for
/// read/write/pread64, the iovec array for readv/writev. Data is copied a page at a time through the
/// context, so a fault mid-buffer stops the copy exactly at the faulting page.
/// </summary>
/// <remarks>The total is already clamped to MAX_RW_COUNT by <see cref="Import"/>; the cursor never
/// allocates. A cursor over a kernel buffer (<see cref="UserIo(Span{byte})"/>) lets sendfile and
/// copy_file_range drive the same description code without user memory.</remarks>
internal ref struct UserIo
{
    private readonly ReadOnlySpan<IoVec> _segments;
    private readonly Span<byte> _kernel;
    private readonly bool _isKernel;
    private int _index;
    private ulong _offset;

    public UserIo(ReadOnlySpan<IoVec> segments, long total)
    {
        _segments = segments;
        Remaining = total;
        Skip();
    }

    /// <summary>A cursor over a kernel buffer: reads fill it, writes drain it.</summary>
    public UserIo(Span<byte> kernel)
    {
        _kernel = kernel;
        _isKernel = true;
        Remaining = kernel.Length;
    }

    /// <summary>Bytes transferred so far through a kernel-buffer cursor.</summary>
    public readonly int KernelDone => _kernel.Length - (int)Remaining;

    /// <summary>Bytes still to transfer.</summary>
    public long Remaining { get; private set; }

    /// <summary>A copy stopped at an unmapped or protected page.</summary>
    public bool Faulted { get; private set; }

    /// <summary>Bytes left in the current segment (bounded by <see cref="Remaining"/>).</summary>
    public readonly long CurrentSegmentRemaining =>
        _isKernel ? Remaining : _index < _segments.Length ? (long)Math.Min(_segments[_index].Length - _offset, (ulong)Remaining) : 0;

    /// <summary>Linux's access_ok on x86-64: the range [va, va + size) does not wrap and ends below 2^63.</summary>
    public static bool AccessOk(ulong va, ulong size)
    {
        ulong end = va + size;
        return end >= va && (long)end >= 0;
    }

    /// <summary>Checks each segment (access_ok) and sums the lengths, each clamped so the total stays
    /// within MAX_RW_COUNT (import_iovec).</summary>
    /// <returns>The total, or -EFAULT.</returns>
    public static long Import(Span<IoVec> segments)
    {
        long total = 0;
        for (int i = 0; i < segments.Length; i++)
        {
            var s = segments[i];
            if (!AccessOk(s.Base, s.Length))
            {
                return KernelErrno.Return(Errno.EFAULT);
            }
            long len = (long)s.Length;
            if (len > FsAbi.MaxRwCount - total)
            {
                len = FsAbi.MaxRwCount - total;
                segments[i] = s with { Length = (ulong)len };
            }
            total += len;
        }
        return total;
    }

    /// <summary>Copies <paramref name="data"/> to user memory at the cursor.</summary>
    /// <returns>Bytes copied: less than asked at a fault (<see cref="Faulted"/>) or at the end.</returns>
    public int CopyOut(IFileSyscallContext ctx, ReadOnlySpan<byte> data)
    {
        if (_isKernel)
        {
            int n = (int)Math.Min(data.Length, Remaining);
            data[..n].CopyTo(_kernel[KernelDone..]);
            Remaining -= n;
            return n;
        }
        int done = 0;
        while (done < data.Length && Remaining > 0 && _index < _segments.Length)
        {
            ulong va = _segments[_index].Base + _offset;
            int n = Chunk(va, data.Length - done);
            if (ctx.WriteUser(va, data.Slice(done, n)) != Errno.Ok)
            {
                Faulted = true;
                break;
            }
            Advance(n);
            done += n;
        }
        return done;
    }

    /// <summary>Copies from user memory at the cursor into <paramref name="destination"/>.</summary>
    /// <returns>Bytes copied: less than asked at a fault (<see cref="Faulted"/>) or at the end.</returns>
    public int CopyIn(IFileSyscallContext ctx, Span<byte> destination)
    {
        if (_isKernel)
        {
            int n = (int)Math.Min(destination.Length, Remaining);
            _kernel.Slice(KernelDone, n).CopyTo(destination);
            Remaining -= n;
            return n;
        }
        int done = 0;
        while (done < destination.Length && Remaining > 0 && _index < _segments.Length)
        {
            ulong va = _segments[_index].Base + _offset;
            int n = Chunk(va, destination.Length - done);
            if (ctx.ReadUser(va, destination.Slice(done, n)) != Errno.Ok)
            {
                Faulted = true;
                break;
            }
            Advance(n);
            done += n;
        }
        return done;
    }

    /// <summary>Moves the cursor forward without copying (a pipe write resuming after bytes it already
    /// wrote before blocking).</summary>
    public void Advance(long count)
    {
        if (_isKernel)
        {
            Remaining -= Math.Min(count, Remaining);
            return;
        }
        while (count > 0 && _index < _segments.Length)
        {
            long n = Math.Min(count, CurrentSegmentRemaining);
            _offset += (ulong)n;
            Remaining -= n;
            count -= n;
            Skip();
        }
    }

    /// <summary>Bytes that can be copied at <paramref name="va"/> with one call: to the end of the page,
    /// of the segment, of the transfer, or of the caller's span.</summary>
    private readonly int Chunk(ulong va, int want)
    {
        long n = Math.Min(want, CurrentSegmentRemaining);
        return (int)Math.Min(n, (long)(Page.Size - (va & Page.Mask)));
    }

    /// <summary>Steps past exhausted (and empty) segments.</summary>
    private void Skip()
    {
        while (_index < _segments.Length && (_offset >= _segments[_index].Length || Remaining == 0))
        {
            if (Remaining == 0)
            {
                _index = _segments.Length;
                return;
            }
            _index++;
            _offset = 0;
        }
    }
}
