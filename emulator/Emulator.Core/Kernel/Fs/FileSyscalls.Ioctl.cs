using System.Buffers.Binary;
using static Emulator.Core.Kernel.Fs.FsAbi;

namespace Emulator.Core.Kernel.Fs;

public sealed partial class FileSyscalls
{
    /// <summary>
    /// ioctl(2) on <paramref name="fd"/>: the descriptor-level commands every file has (FIOCLEX, FIONCLEX,
    /// FIONBIO, FIOASYNC, FIONREAD on a regular file), then the file's own (TCGETS/TIOCGWINSZ on the
    /// console, FIONREAD on a pipe; -ENOTTY for the rest).
    /// </summary>
    /// <param name="fd">The descriptor (RDI).</param>
    /// <param name="cmd">The command (RSI; Linux truncates it to 32 bits).</param>
    /// <param name="arg">The argument (RDX).</param>
    /// <param name="ctx">The calling thread.</param>
    /// <param name="result">The result when handled.</param>
    /// <returns>False for any other command on a kernel device (<see cref="DeviceFile"/>): the kernel
    /// routes it (e.g. SVA_BIND, SVA_SUBMIT to /dev/svaN).</returns>
    public bool TryIoctl(ulong fd, ulong cmd, ulong arg, IFileSyscallContext ctx, out long result)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var file = ctx.Files.Acquire((int)fd);
        if (file is null || file.IsPathOnly)
        {
            file?.Release();
            result = Ret(Errno.EBADF);
            return true;
        }
        try
        {
            uint c = (uint)cmd;
            switch (c)
            {
                case Fioclex:
                case Fionclex:
                    ctx.Files.SetCloseOnExec((int)fd, c == Fioclex);
                    result = 0;
                    return true;
                case Fionbio:
                case Fioasync:
                {
                    Span<byte> b = stackalloc byte[4];
                    var err = ReadUser(ctx, arg, b);
                    if (err != Errno.Ok)
                    {
                        result = Ret(err);
                        return true;
                    }
                    int bit = c == Fionbio ? ONonblock : OAsync;
                    bool on = BinaryPrimitives.ReadInt32LittleEndian(b) != 0;
                    result = Ret(file.SetStatusFlags(on ? file.Flags | bit : file.Flags & ~bit));
                    return true;
                }
                case Fionread when file.Seekable && file.Stat(out var st) == Errno.Ok && st.IsRegular:
                {
                    long pos = file.Seek(0, SeekCur);
                    Span<byte> b = stackalloc byte[4];
                    BinaryPrimitives.WriteInt32LittleEndian(b, (int)(st.Size - Math.Max(pos, 0)));
                    result = Ret(WriteUser(ctx, arg, b));
                    return true;
                }
            }
            if (file is DeviceFile)
            {
                result = 0;
                return false;
            }
            result = file.Ioctl(ctx, c, arg);
            return true;
        }
        finally
        {
            file.Release();
        }
    }
}
