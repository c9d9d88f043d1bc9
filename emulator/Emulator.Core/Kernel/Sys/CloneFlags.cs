namespace Emulator.Core.Kernel.Sys;

/// <summary>clone(2) flags (include/uapi/linux/sched.h).</summary>
internal static class CloneFlags
{
    public const ulong SignalMask = 0xff; // CSIGNAL
    public const ulong Vm = 0x100, Fs = 0x200, Files = 0x400, Sighand = 0x800, Pidfd = 0x1000, Ptrace = 0x2000,
        Vfork = 0x4000, Parent = 0x8000, Thread = 0x1_0000, NewNs = 0x2_0000, SysvSem = 0x4_0000, SetTls = 0x8_0000,
        ParentSetTid = 0x10_0000, ChildClearTid = 0x20_0000, Detached = 0x40_0000, Untraced = 0x80_0000,
        ChildSetTid = 0x100_0000, NewCgroup = 0x200_0000, NewUts = 0x400_0000, NewIpc = 0x800_0000,
        NewUser = 0x1000_0000, NewPid = 0x2000_0000, NewNet = 0x4000_0000, Io = 0x8000_0000,
        ClearSighand = 0x1_0000_0000, IntoCgroup = 0x2_0000_0000;

    /// <summary>What fork(2) is: clone with SIGCHLD as the exit signal and nothing shared.</summary>
    public const ulong Fork = 17;

    /// <summary>Namespace and cgroup flags: an unprivileged caller gets -EPERM (-EINVAL for the
    /// combinations Linux rejects first).</summary>
    public const ulong Namespaces = NewNs | NewCgroup | NewUts | NewIpc | NewUser | NewPid | NewNet | IntoCgroup;
}
