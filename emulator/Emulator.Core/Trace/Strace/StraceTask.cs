namespace Emulator.Core.Trace.Strace;

/// <summary>A pid of the log (a thread or a process) and the address space it runs in now.</summary>
internal sealed class StraceTask(int tid, int tgid, ProcessModel process)
{
    public int Tid { get; } = tid;

    /// <summary>The thread group: CLONE_THREAD children share their parent's; exit_group ends them all.</summary>
    public int Tgid { get; } = tgid;

    public ProcessModel Process = process;

    public bool Alive = true;
}
