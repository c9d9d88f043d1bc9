namespace Emulator.Core.Trace.Strace;

/// <summary>The clone flags that decide how a new task relates to its parent's address space
/// (Linux <c>CLONE_*</c> values); the others are ignored.</summary>
[Flags]
public enum StraceCloneFlags : uint
{
    None = 0,
    /// <summary>CLONE_VM: the child shares the parent's mm (a thread, or a vfork/posix_spawn child).</summary>
    Vm = 0x100,
    /// <summary>CLONE_VFORK.</summary>
    Vfork = 0x4000,
    /// <summary>CLONE_THREAD: the child joins the parent's thread group.</summary>
    Thread = 0x10000,
}
