using System.Buffers;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// The guest's standard streams, passed through to the emulator's: reads come from the kernel's input
/// stream, writes go to its output stream, byte for byte. When the kernel also names the host descriptor
/// behind the stream, fstat reports the host's file (a tty, a pipe, a regular file) and the terminal
/// ioctls TCGETS, TCSETS*, TIOCGWINSZ reach the host terminal; otherwise the console looks like a pipe
/// and those ioctls answer ENOTTY, as for any non-terminal.
/// </summary>
/// <remarks>A read blocks the host thread until the input stream delivers (as a single-threaded
/// emulator reading its own stdin must); poll reports the input always readable.</remarks>
public sealed class ConsoleFile : FileDescription
{
    private readonly Stream? _input;
    private readonly Stream? _output;
    private readonly int _hostFd;
    private readonly Lock _lock = new();

    /// <param name="input">Where reads come from (null: end of file at once).</param>
    /// <param name="output">Where writes go (null: discarded).</param>
    /// <param name="hostFd">The host descriptor behind the stream, or -1.</param>
    /// <param name="flags">O_RDONLY for stdin, O_WRONLY for stdout/stderr (O_RDWR for a terminal).</param>
    /// <param name="path">What /proc/self/fd/N shows (e.g. /dev/pts/0).</param>
    public ConsoleFile(Stream? input, Stream? output, int hostFd, int flags, string path) : base(flags | FsAbi.OLargefile, path)
    {
        _input = input;
        _output = output;
        _hostFd = hostFd;
    }

    public override Errno Stat(out FileStat stat)
    {
        if (_hostFd >= 0 && HostLibc.Available && HostLibc.Fstat(_hostFd, out stat) == Errno.Ok)
        {
            return Errno.Ok;
        }
        stat = new FileStat { Mode = FsAbi.SIfifo | 0x180, Nlink = 1, BlockSize = 4096, DevMinor = 12, Mask = FsAbi.StatxBasicStats };
        return Errno.Ok;
    }

    public override short Poll()
    {
        short mask = 0;
        if (CanRead)
        {
            mask |= FsAbi.PollIn | FsAbi.PollRdnorm;
        }
        if (CanWrite)
        {
            mask |= FsAbi.PollOut | FsAbi.PollWrnorm;
        }
        return mask;
    }

    internal override long Read(IFileSyscallContext ctx, ref UserIo io)
    {
        if (_input is null || io.Remaining == 0)
        {
            return 0;
        }
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            int n;
            using (_lock.EnterScope())
            {
                try
                {
                    n = _input.Read(buffer, 0, (int)Math.Min(io.Remaining, ChunkSize));
                }
                catch (IOException)
                {
                    return KernelErrno.Return(Errno.EIO);
                }
            }
            int copied = io.CopyOut(ctx, buffer.AsSpan(0, n));
            return copied == 0 && n > 0 ? KernelErrno.Return(Errno.EFAULT) : copied;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    internal override long Write(IFileSyscallContext ctx, ref UserIo io)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            long total = 0;
            using (_lock.EnterScope())
            {
                while (io.Remaining > 0)
                {
                    int got = io.CopyIn(ctx, buffer.AsSpan(0, (int)Math.Min(io.Remaining, ChunkSize)));
                    try
                    {
                        _output?.Write(buffer, 0, got);
                    }
                    catch (IOException)
                    {
                        return total > 0 ? total : KernelErrno.Return(Errno.EIO);
                    }
                    total += got;
                    if (io.Faulted)
                    {
                        break;
                    }
                }
                try
                {
                    _output?.Flush();
                }
                catch (IOException)
                {
                    return total > 0 ? total : KernelErrno.Return(Errno.EIO);
                }
            }
            return total == 0 && io.Faulted ? KernelErrno.Return(Errno.EFAULT) : total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public override Errno Sync() => Errno.EINVAL;

    internal override long Ioctl(IFileSyscallContext ctx, uint cmd, ulong arg)
    {
        int size = cmd switch
        {
            FsAbi.Tcgets or FsAbi.Tcsets or FsAbi.Tcsetsw or FsAbi.Tcsetsf => TerminalLayout.TermiosSize,
            FsAbi.Tiocgwinsz => TerminalLayout.WinsizeSize,
            _ => 0,
        };
        if (size == 0 || _hostFd < 0 || !HostLibc.Available || !HostLibc.IsTerminal(_hostFd))
        {
            return KernelErrno.Return(Errno.ENOTTY);
        }
        Span<byte> b = stackalloc byte[TerminalLayout.TermiosSize];
        b = b[..size];
        bool set = cmd is FsAbi.Tcsets or FsAbi.Tcsetsw or FsAbi.Tcsetsf;
        if (set && ctx.ReadUser(arg, b) != Errno.Ok)
        {
            return KernelErrno.Return(Errno.EFAULT);
        }
        var err = HostLibc.Ioctl(_hostFd, cmd, b);
        if (err != Errno.Ok)
        {
            return KernelErrno.Return(err);
        }
        if (!set && ctx.WriteUser(arg, b) != Errno.Ok)
        {
            return KernelErrno.Return(Errno.EFAULT);
        }
        return 0;
    }
}
