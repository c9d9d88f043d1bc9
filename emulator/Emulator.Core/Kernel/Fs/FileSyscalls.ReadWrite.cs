using System.Buffers;
using System.Buffers.Binary;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    // preadv2/pwritev2 flags (RWF_*): the hints a regular file may ignore.
    private const ulong RwfHipri = 1, RwfDsync = 2, RwfSync = 4;

    /// <summary>read/write: EBADF (not open, or not open for that), EFAULT (buffer outside user space),
    /// then the description's own answer.</summary>
    private static long ReadWrite(IFileSyscallContext ctx, int fd, ulong buf, ulong count, bool write)
    {
        var file = ctx.Files.Acquire(fd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        try
        {
            if (write ? !file.CanWrite : !file.CanRead)
            {
                return Ret(Errno.EBADF);
            }
            if (!UserIo.AccessOk(buf, count))
            {
                return Ret(Errno.EFAULT);
            }
            long total = (long)Math.Min(count, (ulong)MaxRwCount);
            Span<IoVec> one = [new IoVec(buf, (ulong)total)];
            var io = new UserIo(one, total);
            return write ? file.Write(ctx, ref io) : file.Read(ctx, ref io);
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>pread64/pwrite64: EINVAL for a negative offset, EBADF, ESPIPE for a stream, EFAULT.</summary>
    private static long Positional(IFileSyscallContext ctx, int fd, ulong buf, ulong count, long pos, bool write)
    {
        if (pos < 0)
        {
            return Ret(Errno.EINVAL);
        }
        var file = ctx.Files.Acquire(fd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        try
        {
            if (!file.Seekable)
            {
                return Ret(Errno.ESPIPE);
            }
            if (write ? !file.CanWrite : !file.CanRead)
            {
                return Ret(Errno.EBADF);
            }
            if (!UserIo.AccessOk(buf, count))
            {
                return Ret(Errno.EFAULT);
            }
            if ((long)count < 0 || pos + (long)count < 0)
            {
                return Ret(Errno.EINVAL); // rw_verify_area: the range would pass the largest offset
            }
            long total = (long)Math.Min(count, (ulong)MaxRwCount);
            Span<IoVec> one = [new IoVec(buf, (ulong)total)];
            var io = new UserIo(one, total);
            return write ? file.WriteAt(ctx, ref io, pos) : file.ReadAt(ctx, ref io, pos);
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>readv/writev (and preadv2/pwritev2 with offset -1): the iovec array is read and checked
    /// (EINVAL over IOV_MAX, EFAULT) after the mode checks, as vfs_readv does.</summary>
    private static long Vector(IFileSyscallContext ctx, int fd, ulong iov, ulong iovcnt, long pos, bool write)
    {
        var file = ctx.Files.Acquire(fd);
        if (file is null)
        {
            return Ret(Errno.EBADF);
        }
        try
        {
            if (write ? !file.CanWrite : !file.CanRead)
            {
                return Ret(Errno.EBADF);
            }
            if (pos != Unset && !file.Seekable)
            {
                return Ret(Errno.ESPIPE);
            }
            if (iovcnt > IovMax)
            {
                return Ret(Errno.EINVAL);
            }
            int n = (int)iovcnt;
            Span<IoVec> segments = n <= 16 ? stackalloc IoVec[n] : new IoVec[n];
            var err = ReadIoVecs(ctx, iov, segments);
            if (err != Errno.Ok)
            {
                return Ret(err);
            }
            long total = UserIo.Import(segments);
            if (total <= 0)
            {
                return total;
            }
            var io = new UserIo(segments, total);
            if (pos == Unset)
            {
                return write ? file.Write(ctx, ref io) : file.Read(ctx, ref io);
            }
            return write ? file.WriteAt(ctx, ref io, pos) : file.ReadAt(ctx, ref io, pos);
        }
        finally
        {
            file.Release();
        }
    }

    /// <summary>preadv/pwritev/preadv2/pwritev2: the offset (pos_l; pos_h is ignored on 64-bit) must not be
    /// negative, except -1 for preadv2/pwritev2 (<paramref name="v2"/>), which means the file position.
    /// Of the RWF_* flags only the hints HIPRI, DSYNC and SYNC are accepted (EOPNOTSUPP otherwise).</summary>
    private static long VectorAt(IFileSyscallContext ctx, int fd, ulong iov, ulong iovcnt, long pos, ulong flags, bool v2, bool write)
    {
        if ((flags & ~(RwfHipri | RwfDsync | RwfSync)) != 0)
        {
            return Ret(Errno.EOPNOTSUPP);
        }
        if (v2 && pos == -1)
        {
            return Vector(ctx, fd, iov, iovcnt, Unset, write);
        }
        if (pos < 0)
        {
            return Ret(Errno.EINVAL);
        }
        return Vector(ctx, fd, iov, iovcnt, pos, write);
    }

    private static Errno ReadIoVecs(IFileSyscallContext ctx, ulong va, Span<IoVec> segments)
    {
        if (segments.IsEmpty)
        {
            return Errno.Ok;
        }
        byte[] raw = ArrayPool<byte>.Shared.Rent(segments.Length * IoVec.Size);
        try
        {
            var bytes = raw.AsSpan(0, segments.Length * IoVec.Size);
            var err = ReadUser(ctx, va, bytes);
            if (err != Errno.Ok)
            {
                return err;
            }
            for (int i = 0; i < segments.Length; i++)
            {
                segments[i] = IoVec.Read(bytes[(i * IoVec.Size)..]);
            }
            return Errno.Ok;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>lseek: EBADF, EINVAL for whence past SEEK_HOLE, ESPIPE for streams.</summary>
    private static long Seek(IFileSyscallContext ctx, int fd, long offset, int whence) =>
        WithFile(ctx, fd, (offset, whence), static (f, s) =>
            (uint)s.whence > SeekHole ? Ret(Errno.EINVAL) : f.Seek(s.offset, s.whence));

    /// <summary>sendfile: copies from a seekable <paramref name="inFd"/> (at *offset when given, which is
    /// updated, else at its position) to any writable <paramref name="outFd"/>, in chunks through a kernel
    /// buffer. A destination that would block with nothing moved blocks the call (the source is rewound);
    /// with some bytes moved the call returns them.</summary>
    private static long SendFile(IFileSyscallContext ctx, int outFd, int inFd, ulong offsetVa, ulong count)
    {
        var input = ctx.Files.Acquire(inFd);
        var output = ctx.Files.Acquire(outFd);
        try
        {
            if (input is null || output is null || !input.CanRead || !output.CanWrite)
            {
                return Ret(Errno.EBADF);
            }
            if (!input.Seekable)
            {
                return Ret(Errno.EINVAL);
            }
            if ((output.Flags & OAppend) != 0 && output.Seekable)
            {
                return Ret(Errno.EINVAL);
            }
            long pos = Unset;
            if (offsetVa != 0)
            {
                pos = ReadLong(ctx, offsetVa, out var err);
                if (err != Errno.Ok)
                {
                    return Ret(err);
                }
                if (pos < 0)
                {
                    return Ret(Errno.EINVAL);
                }
            }
            long moved = Transfer(ctx, input, pos, output, Unset, (long)Math.Min(count, (ulong)MaxRwCount));
            if (offsetVa != 0 && moved >= 0)
            {
                Span<byte> b = stackalloc byte[8];
                BinaryPrimitives.WriteInt64LittleEndian(b, pos + moved);
                if (WriteUser(ctx, offsetVa, b) != Errno.Ok)
                {
                    return Ret(Errno.EFAULT);
                }
            }
            return moved;
        }
        finally
        {
            input?.Release();
            output?.Release();
        }
    }

    /// <summary>copy_file_range between regular files: flags must be 0; offsets from the pointers (updated)
    /// or the file positions; EISDIR for directories, EINVAL for other kinds, an O_APPEND destination, or
    /// overlapping ranges of one file.</summary>
    private static long CopyFileRangeCall(IFileSyscallContext ctx, int inFd, ulong offInVa, int outFd, ulong offOutVa, ulong len, uint flags)
    {
        if (flags != 0)
        {
            return Ret(Errno.EINVAL);
        }
        var input = ctx.Files.Acquire(inFd);
        var output = ctx.Files.Acquire(outFd);
        try
        {
            if (input is null || output is null || !input.CanRead || !output.CanWrite || (output.Flags & OAppend) != 0)
            {
                return Ret(Errno.EBADF);
            }
            input.Stat(out var si);
            output.Stat(out var so);
            if (si.IsDirectory || so.IsDirectory)
            {
                return Ret(Errno.EISDIR);
            }
            if (!si.IsRegular || !so.IsRegular)
            {
                return Ret(Errno.EINVAL);
            }
            long inPos = Unset, outPos = Unset;
            if (offInVa != 0)
            {
                inPos = ReadLong(ctx, offInVa, out var err);
                if (err != Errno.Ok)
                {
                    return Ret(err);
                }
            }
            if (offOutVa != 0)
            {
                outPos = ReadLong(ctx, offOutVa, out var err);
                if (err != Errno.Ok)
                {
                    return Ret(err);
                }
            }
            if (inPos < 0 && inPos != Unset || outPos < 0 && outPos != Unset)
            {
                return Ret(Errno.EINVAL);
            }
            long count = (long)Math.Min(len, (ulong)MaxRwCount);
            if (si.Ino == so.Ino && si.DevMajor == so.DevMajor && si.DevMinor == so.DevMinor)
            {
                long a = inPos == Unset ? input.Seek(0, SeekCur) : inPos;
                long b = outPos == Unset ? output.Seek(0, SeekCur) : outPos;
                if (a < b + count && b < a + count)
                {
                    return Ret(Errno.EINVAL);
                }
            }
            long moved = Transfer(ctx, input, inPos, output, outPos, count);
            if (moved > 0)
            {
                Span<byte> b = stackalloc byte[8];
                if (offInVa != 0)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(b, inPos + moved);
                    if (WriteUser(ctx, offInVa, b) != Errno.Ok)
                    {
                        return Ret(Errno.EFAULT);
                    }
                }
                if (offOutVa != 0)
                {
                    BinaryPrimitives.WriteInt64LittleEndian(b, outPos + moved);
                    if (WriteUser(ctx, offOutVa, b) != Errno.Ok)
                    {
                        return Ret(Errno.EFAULT);
                    }
                }
            }
            return moved;
        }
        finally
        {
            input?.Release();
            output?.Release();
        }
    }

    /// <summary>The chunked copy of sendfile and copy_file_range. <paramref name="inPos"/> and
    /// <paramref name="outPos"/> are offsets, or <see cref="Unset"/> to use (and move) the file position.</summary>
    private static long Transfer(IFileSyscallContext ctx, FileDescription input, long inPos, FileDescription output, long outPos, long count)
    {
        const int Chunk = 64 * 1024;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            long total = 0;
            while (total < count)
            {
                int want = (int)Math.Min(count - total, Chunk);
                var rio = new UserIo(buffer.AsSpan(0, want));
                long n = inPos == Unset ? input.Read(ctx, ref rio) : input.ReadAt(ctx, ref rio, inPos + total);
                if (n <= 0)
                {
                    return total > 0 ? total : n;
                }
                var wio = new UserIo(buffer.AsSpan(0, (int)n));
                long w = outPos == Unset ? output.Write(ctx, ref wio) : output.WriteAt(ctx, ref wio, outPos + total);
                if (IsBlocked(w))
                {
                    // A pipe destination filled up: the bytes it took before blocking are in CallProgress.
                    // With nothing moved the call blocks (and starts over when woken); else it returns the
                    // bytes moved and the recorded wait is dropped.
                    ref long progress = ref ctx.CallProgress;
                    long taken = progress;
                    progress = 0;
                    if (taken == 0 && total == 0)
                    {
                        RewindInput(input, inPos, n);
                        return w;
                    }
                    w = taken;
                }
                if (w < 0)
                {
                    RewindInput(input, inPos, n);
                    return total > 0 ? total : w;
                }
                total += w;
                if (w < n)
                {
                    RewindInput(input, inPos, n - w);
                    break;
                }
                if (n < want)
                {
                    break;
                }
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void RewindInput(FileDescription input, long inPos, long unused)
    {
        if (inPos == Unset && unused > 0)
        {
            input.Seek(-unused, SeekCur);
        }
    }
}
