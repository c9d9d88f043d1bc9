namespace Emulator.Core.Kernel;

/// <summary>Syscall return values.</summary>
public static class KernelErrno
{
    /// <summary>The value a syscall returns for <paramref name="errno"/>: <c>-errno</c> (0 for Ok).</summary>
    public static long Return(Errno errno) => -(long)(int)errno;
}
