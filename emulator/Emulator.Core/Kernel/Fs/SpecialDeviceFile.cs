namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An open memory device. null: reads are end of file, writes vanish. zero: reads are zeros, writes
/// vanish. full: reads are zeros, writes fail ENOSPC. random/urandom: reads come from the seeded
/// <see cref="GuestRandom"/>, writes are accepted (they would stir the pool). lseek always answers 0, as
/// null_lseek and noop_llseek do.
/// </summary>
internal sealed class SpecialDeviceFile : FileDescription
{
    private readonly SpecialDevice _device;
    private readonly GuestRandom? _random;

    public SpecialDeviceFile(SpecialDevice device, GuestRandom? random, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        _device = device;
        _random = random;
    }

    public override bool Seekable => true;

    public override Errno Stat(out FileStat stat)
    {
        stat = _device.NodeStat(GuestFileSystem.InodeOf(Path));
        return Errno.Ok;
    }

    public override long Seek(long offset, int whence) => 0;

    public override Errno ReadAt(long offset, Span<byte> destination, out int read)
    {
        read = Fill(destination);
        return Errno.Ok;
    }

    internal override long Read(IFileSyscallContext ctx, ref UserIo io) => ReadAt(ctx, ref io, 0);

    internal override long ReadAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        if (_device.Kind == SpecialDeviceKind.Null)
        {
            return 0;
        }
        var self = this;
        return CopyOutLoop(ctx, ref io, 0, ref self, static (ref SpecialDeviceFile f, long off, Span<byte> dst) => f.Fill(dst));
    }

    internal override long Write(IFileSyscallContext ctx, ref UserIo io) => WriteAt(ctx, ref io, 0);

    internal override long WriteAt(IFileSyscallContext ctx, ref UserIo io, long offset)
    {
        if (_device.Kind == SpecialDeviceKind.Full)
        {
            return KernelErrno.Return(Errno.ENOSPC);
        }
        if (_device.Kind is SpecialDeviceKind.Null or SpecialDeviceKind.Zero)
        {
            // Linux's write_null does not touch the buffer: the whole count succeeds.
            long n = io.Remaining;
            io.Advance(n);
            return n;
        }
        var self = this;
        return CopyInLoop(ctx, ref io, 0, ref self, static (ref SpecialDeviceFile f, long off, ReadOnlySpan<byte> src) => src.Length);
    }

    public override Errno Sync() => Errno.EINVAL;

    private int Fill(Span<byte> destination)
    {
        switch (_device.Kind)
        {
            case SpecialDeviceKind.Null:
                return 0;
            case SpecialDeviceKind.Random or SpecialDeviceKind.Urandom:
                _random!.Fill(destination);
                return destination.Length;
            default:
                destination.Clear();
                return destination.Length;
        }
    }
}
