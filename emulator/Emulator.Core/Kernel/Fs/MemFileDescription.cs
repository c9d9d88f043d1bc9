namespace Emulator.Core.Kernel.Fs;

/// <summary>An open in-memory file (overlay upper file, memfd): its own offset over a <see cref="MemFile"/>.</summary>
/// <remarks><see cref="_position"/> is guarded by <see cref="_lock"/> (Linux's f_pos_lock), so two threads
/// reading one description get consecutive, not overlapping, ranges.</remarks>
internal sealed class MemFileDescription : FileDescription
{
    private readonly Lock _lock = new();
    private long _position;

    public MemFileDescription(MemFile file, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        File = file;
        file.Retain();
    }

    public MemFile File { get; }

    public override bool Seekable => true;

    internal override FsNode? Node => File;

    protected override void OnLastClose() => File.ReleaseOpen();

    public override Errno Stat(out FileStat stat) => File.GetStat(null!, out stat);

    public override Errno StatFs(out StatFs statfs) => File.StatFs(out statfs);

    public override Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        read = File.Read(offset, destination);
        return Errno.Ok;
    }

    internal override long Read(IFileSyscallContext ctx, ref UserIo io)
    {
        using (_lock.EnterScope())
        {
            long n = ReadAt(ctx, ref io, _position);
            if (n > 0)
            {
                _position += n;
            }
            return n;
        }
    }

    internal override long ReadAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        var file = File;
        return CopyOutLoop(ctx, ref io, offset, ref file, static (ref MemFile f, long off, Span<byte> dst) => f.Read(off, dst));
    }

    internal override long Write(IFileSyscallContext ctx, ref UserIo io)
    {
        using (_lock.EnterScope())
        {
            bool append = (Flags & FsAbi.OAppend) != 0;
            var state = new WriteState(File, append, ctx.RealtimeNanoseconds);
            long n = CopyInLoop(ctx, ref io, append ? File.Size : _position, ref state, static (ref WriteState s, long off, ReadOnlySpan<byte> src) => s.Write(off, src));
            if (n > 0)
            {
                _position = append ? state.End : _position + n;
            }
            return n;
        }
    }

    internal override long WriteAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        // pwrite on an O_APPEND file appends (Linux's documented bug, kept for compatibility).
        var state = new WriteState(File, (Flags & FsAbi.OAppend) != 0, ctx.RealtimeNanoseconds);
        return CopyInLoop(ctx, ref io, offset, ref state, static (ref WriteState s, long off, ReadOnlySpan<byte> src) => s.Write(off, src));
    }

    public override long Seek(long offset, int whence)
    {
        using (_lock.EnterScope())
        {
            long target = SeekTarget(_position, File.Size, offset, whence);
            if (target >= 0)
            {
                _position = target;
            }
            return target;
        }
    }

    /// <summary>lseek's arithmetic for a file whose contents are all data (no holes reported, as
    /// SEEK_HOLE's generic implementation): the new offset or -errno.</summary>
    internal static long SeekTarget(long position, long size, long offset, int whence)
    {
        long target;
        switch (whence)
        {
            case FsAbi.SeekSet: target = offset; break;
            case FsAbi.SeekCur: target = position + offset; break;
            case FsAbi.SeekEnd: target = size + offset; break;
            case FsAbi.SeekData or FsAbi.SeekHole:
                if (offset < 0 || offset >= size)
                {
                    return KernelErrno.Return(Errno.ENXIO);
                }
                target = whence == FsAbi.SeekData ? offset : size;
                break;
            default:
                return KernelErrno.Return(Errno.EINVAL);
        }
        return target < 0 ? KernelErrno.Return(Errno.EINVAL) : target;
    }

    public override Errno Truncate(IFileSyscallContext ctx, long length) => File.SetSize(length, ctx.RealtimeNanoseconds);

    public override Errno Sync() => Errno.Ok;

    /// <summary>One write's target: where the pieces go and where the last one ended (for O_APPEND's new offset).</summary>
    private struct WriteState(MemFile file, bool append, long nowNs)
    {
        public long End;

        public long Write(long offset, ReadOnlySpan<byte> source)
        {
            long n = file.Write(offset, source, append, nowNs, out long end);
            End = end;
            return n;
        }
    }
}
