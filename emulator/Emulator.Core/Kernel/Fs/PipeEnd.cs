namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// One end of a <see cref="Pipe"/> (pipe/pipe2 make a read end and a write end). Blocking follows the
/// protocol of <see cref="IFileSyscallContext"/>: an empty read or a full write returns
/// <see cref="IFileSyscallContext.Block"/>'s sentinel, and the re-executed call picks up where it was
/// (a write resumes after <see cref="IFileSyscallContext.CallProgress"/> bytes).
/// </summary>
internal sealed class PipeEnd : FileDescription
{
    private const uint PipefsDevMinor = 12; // pipefs: an anonymous device

    private readonly bool _reader;

    public PipeEnd(Pipe pipe, bool reader, int statusFlags)
        : base((reader ? FsAbi.ORdOnly : FsAbi.OWrOnly) | (statusFlags & (FsAbi.ONonblock | FsAbi.ODirect)),
            $"pipe:[{pipe.Ino}]")
    {
        Pipe = pipe;
        _reader = reader;
        pipe.Open(reader);
    }

    public Pipe Pipe { get; }

    internal override FsNode? Node => null;

    protected override void OnLastClose() => Pipe.Close(_reader);

    public override Errno Stat(out FileStat stat)
    {
        stat = new FileStat
        {
            DevMinor = PipefsDevMinor,
            Ino = Pipe.Ino,
            Mode = FsAbi.SIfifo | 0x180, // prw-------
            Nlink = 1,
            Uid = Uid,
            Gid = Gid,
            BlockSize = 4096,
            Atime = Pipe.Created,
            Mtime = Pipe.Created,
            Ctime = Pipe.Created,
            Mask = FsAbi.StatxBasicStats,
        };
        return Errno.Ok;
    }

    /// <summary>st_uid: the creating thread's effective uid.</summary>
    public uint Uid { get; init; }

    /// <summary>st_gid: the creating thread's effective gid.</summary>
    public uint Gid { get; init; }

    public override Errno StatFs(out StatFs statfs)
    {
        statfs = Fs.StatFs.Synthetic(FsAbi.PipefsMagic);
        return Errno.Ok;
    }

    public override short Poll() => Pipe.Poll(_reader, !_reader);

    public override WaitQueue? PollQueue => Pipe.Queue;

    internal override long Read(IFileSyscallContext ctx, ref UserIo io)
    {
        long r = Pipe.Read(ctx, ref io, NonBlocking, out var token);
        if (r != Pipe.WouldBlock)
        {
            return r;
        }
        return ctx.SignalPending ? FsAbi.ERestartSys : ctx.Block([token], long.MaxValue);
    }

    internal override long Write(IFileSyscallContext ctx, ref UserIo io)
    {
        ref long progress = ref ctx.CallProgress;
        long before = progress;
        io.Advance(before);
        var outcome = Pipe.Write(ctx, ref io, before > 0, out long written, out var token);
        long total = before + written;
        switch (outcome)
        {
            case PipeWriteOutcome.Complete:
                return total;
            case PipeWriteOutcome.Broken:
                ctx.RaiseSignal(FsAbi.SigPipe);
                return total > 0 ? total : KernelErrno.Return(Errno.EPIPE);
            case PipeWriteOutcome.Fault:
                return total > 0 ? total : KernelErrno.Return(Errno.EFAULT);
        }
        if (NonBlocking)
        {
            return total > 0 ? total : KernelErrno.Return(Errno.EAGAIN);
        }
        if (ctx.SignalPending)
        {
            return total > 0 ? total : FsAbi.ERestartSys;
        }
        progress = total;
        return ctx.Block([token], long.MaxValue);
    }

    internal override long Ioctl(IFileSyscallContext ctx, uint cmd, ulong arg)
    {
        if (cmd != FsAbi.Fionread)
        {
            return KernelErrno.Return(Errno.ENOTTY);
        }
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(b, Pipe.Available);
        return ctx.WriteUser(arg, b) == Errno.Ok ? 0 : KernelErrno.Return(Errno.EFAULT);
    }
}
