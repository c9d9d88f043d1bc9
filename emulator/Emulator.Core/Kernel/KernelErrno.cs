namespace Emulator.Core.Kernel;

/// <summary>Linux error numbers the kernel layer returns that <see cref="Errno"/> does not list yet.</summary>
/// <remarks>Values are the x86-64 errno numbers; they belong in <see cref="Errno"/> (E2BIG = 7,
/// ENOTTY = 25), after which these become aliases.</remarks>
public static class KernelErrno
{
    /// <summary>E2BIG: argument list too long (execve).</summary>
    public const Errno E2BIG = (Errno)7;

    /// <summary>ENOTTY: inappropriate ioctl for device (an unknown ioctl command).</summary>
    public const Errno ENOTTY = (Errno)25;

    /// <summary>The value a syscall returns for <paramref name="errno"/>: <c>-errno</c> (0 for Ok).</summary>
    public static long Return(Errno errno) => -(long)(int)errno;
}
