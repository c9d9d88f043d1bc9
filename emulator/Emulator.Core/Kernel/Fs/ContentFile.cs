namespace Emulator.Core.Kernel.Fs;

/// <summary>An open /proc or /sys file: its contents generated once, at the first read, seek or stat
/// (as Linux's seq_file files are: musl's fopen mallocs its buffer between the open and the first
/// read, and /proc/self/maps must show that heap), then read like a read-only regular file.</summary>
internal sealed class ContentFile : FileDescription
{
    private readonly Lock _lock = new();
    private readonly Func<byte[]> _generate;
    private readonly FsNode _node;
    private byte[]? _generated;
    private long _position;

    public ContentFile(FsNode node, Func<byte[]> generate, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        _node = node;
        _generate = generate;
    }

    /// <summary>The contents, generated on first use.</summary>
    private byte[] Content
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _generated ??= _generate();
            }
        }
    }

    public override bool Seekable => true;

    internal override FsNode? Node => _node;

    public override Errno Stat(out FileStat stat) => _node.GetStat(null!, out stat);

    public override Errno StatFs(out StatFs statfs) => _node.StatFs(out statfs);

    public override Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        read = offset >= Content.Length || offset < 0 ? 0 : (int)Math.Min(destination.Length, Content.Length - offset);
        Content.AsSpan((int)Math.Min(offset, Content.Length), read).CopyTo(destination);
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
        if (offset >= Content.Length)
        {
            return 0;
        }
        int n = io.CopyOut(ctx, Content.AsSpan((int)offset, (int)Math.Min(io.Remaining, Content.Length - offset)));
        return n == 0 && io.Faulted ? KernelErrno.Return(Errno.EFAULT) : n;
    }

    public override long Seek(long offset, int whence)
    {
        using (_lock.EnterScope())
        {
            long target = MemFileDescription.SeekTarget(_position, Content.Length, offset, whence);
            if (target >= 0)
            {
                _position = target;
            }
            return target;
        }
    }
}
