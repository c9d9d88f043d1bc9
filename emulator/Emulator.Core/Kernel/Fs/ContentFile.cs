namespace Emulator.Core.Kernel.Fs;

/// <summary>An open /proc or /sys file: its contents generated once at open (Linux's seq_file files
/// generate at the first read; a reader sees one consistent snapshot either way), then read like a
/// read-only regular file.</summary>
internal sealed class ContentFile : FileDescription
{
    private readonly Lock _lock = new();
    private readonly byte[] _content;
    private readonly FsNode _node;
    private long _position;

    public ContentFile(FsNode node, byte[] content, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        _node = node;
        _content = content;
    }

    public override bool Seekable => true;

    internal override FsNode? Node => _node;

    public override Errno Stat(out FileStat stat) => _node.GetStat(null!, out stat);

    public override Errno StatFs(out StatFs statfs) => _node.StatFs(out statfs);

    public override Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        read = offset >= _content.Length || offset < 0 ? 0 : (int)Math.Min(destination.Length, _content.Length - offset);
        _content.AsSpan((int)Math.Min(offset, _content.Length), read).CopyTo(destination);
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
        if (offset >= _content.Length)
        {
            return 0;
        }
        int n = io.CopyOut(ctx, _content.AsSpan((int)offset, (int)Math.Min(io.Remaining, _content.Length - offset)));
        return n == 0 && io.Faulted ? KernelErrno.Return(Errno.EFAULT) : n;
    }

    public override long Seek(long offset, int whence)
    {
        using (_lock.EnterScope())
        {
            long target = MemFileDescription.SeekTarget(_position, _content.Length, offset, whence);
            if (target >= 0)
            {
                _position = target;
            }
            return target;
        }
    }
}
