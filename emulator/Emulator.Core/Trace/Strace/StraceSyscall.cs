namespace Emulator.Core.Trace.Strace;

/// <summary>The system calls the importer understands; every other name is <see cref="Unknown"/>
/// (skipped and counted, never an error).</summary>
public enum StraceSyscall : byte
{
    Unknown = 0,
    Mmap = 1,
    Munmap = 2,
    Mprotect = 3,
    Mremap = 4,
    Brk = 5,
    Madvise = 6,
    /// <summary><c>clone</c> and <c>clone3</c>: a thread, a vfork-like child or a fork, by CLONE_VM / CLONE_THREAD.</summary>
    Clone = 7,
    Fork = 8,
    Vfork = 9,
    /// <summary><c>execve</c> and <c>execveat</c>.</summary>
    Execve = 10,
    /// <summary><c>exit</c>: one thread ends.</summary>
    Exit = 11,
    /// <summary><c>exit_group</c>: every thread of the thread group ends.</summary>
    ExitGroup = 12,
}
