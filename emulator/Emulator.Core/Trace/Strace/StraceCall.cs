using System.Globalization;
using System.Text;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>One system call as strace printed it, with the arguments the importer needs typed.</summary>
/// <remarks>Filled by <see cref="StraceLineParser"/> (no allocation); a field a call does not have
/// stays 0. Lengths are as printed (not yet rounded to pages).</remarks>
public struct StraceCall
{
    public StraceSyscall Syscall;

    /// <summary>mmap ADDR (0 for NULL), munmap/mprotect/madvise ADDR, mremap OLD_ADDRESS, brk ADDR (0 for NULL).</summary>
    public ulong Address;

    /// <summary>mmap/munmap/mprotect/madvise LENGTH, mremap OLD_SIZE.</summary>
    public ulong Length;

    /// <summary>mremap NEW_SIZE.</summary>
    public ulong NewLength;

    /// <summary>mremap NEW_ADDRESS (the fifth argument, present with MREMAP_FIXED).</summary>
    public ulong NewAddress;

    /// <summary>mmap/mprotect PROT (read, write, exec bits).</summary>
    public Protection Protection;

    /// <summary>PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM or unnamed bits were present (and dropped).</summary>
    public bool OtherProtectionBits;

    /// <summary>mmap FLAGS (only the named MAP_* bits; MAP_HUGE_* sizes are dropped).</summary>
    public MapFlags MapFlags;

    /// <summary>mmap FD (-1 for an anonymous mapping).</summary>
    public long Fd;

    public MremapFlags MremapFlags;

    /// <summary>madvise ADVICE; -1 when strace printed a name this model has no value for.</summary>
    public Advice Advice;

    /// <summary>clone/clone3 flags= (fork: none; vfork: VM|VFORK).</summary>
    public StraceCloneFlags CloneFlags;

    public StraceReturnKind ReturnKind;

    /// <summary>The returned number for <see cref="StraceReturnKind.Value"/>.</summary>
    public ulong ReturnValue;

    /// <summary>The errno for <see cref="StraceReturnKind.Error"/>.</summary>
    public Errno Error;

    /// <summary>True when the call returned a number (for brk, whatever it returned).</summary>
    public readonly bool Succeeded => ReturnKind == StraceReturnKind.Value;

    /// <summary>A stable one-line description, used by tests: the syscall, its typed arguments, <c>= RESULT</c>.</summary>
    public override readonly string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Name(Syscall));
        switch (Syscall)
        {
            case StraceSyscall.Mmap:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x} len=0x{Length:x} prot={TraceNames.FormatProtection(Protection)} flags={MapFlags} fd={Fd}");
                break;
            case StraceSyscall.Munmap:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x} len=0x{Length:x}");
                break;
            case StraceSyscall.Mprotect:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x} len=0x{Length:x} prot={TraceNames.FormatProtection(Protection)}");
                break;
            case StraceSyscall.Madvise:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x} len=0x{Length:x} advice={(Enum.IsDefined(Advice) ? Advice.ToString() : ((int)Advice).ToString(CultureInfo.InvariantCulture))}");
                break;
            case StraceSyscall.Mremap:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x} len=0x{Length:x} newlen=0x{NewLength:x} flags={MremapFlags}");
                if ((MremapFlags & MremapFlags.Fixed) != 0)
                {
                    sb.Append(CultureInfo.InvariantCulture, $" to=0x{NewAddress:x}");
                }
                break;
            case StraceSyscall.Brk:
                sb.Append(CultureInfo.InvariantCulture, $" addr=0x{Address:x}");
                break;
            case StraceSyscall.Clone:
            case StraceSyscall.Vfork:
                sb.Append(" flags=").Append(CloneFlags.ToString());
                break;
        }
        if (OtherProtectionBits)
        {
            sb.Append(" +otherprot");
        }
        sb.Append(" = ");
        switch (ReturnKind)
        {
            case StraceReturnKind.Value: sb.Append(CultureInfo.InvariantCulture, $"0x{ReturnValue:x}"); break;
            case StraceReturnKind.Error: sb.Append(Error.ToString()); break;
            case StraceReturnKind.OtherError: sb.Append("other-errno"); break;
            default: sb.Append('?'); break;
        }
        return sb.ToString();
    }

    /// <summary>The lowercase name of a syscall kind (for <c>clone</c> also <c>clone3</c>, for <c>execve</c> also <c>execveat</c>).</summary>
    public static string Name(StraceSyscall syscall) => syscall switch
    {
        StraceSyscall.Mmap => "mmap",
        StraceSyscall.Munmap => "munmap",
        StraceSyscall.Mprotect => "mprotect",
        StraceSyscall.Mremap => "mremap",
        StraceSyscall.Brk => "brk",
        StraceSyscall.Madvise => "madvise",
        StraceSyscall.Clone => "clone",
        StraceSyscall.Fork => "fork",
        StraceSyscall.Vfork => "vfork",
        StraceSyscall.Execve => "execve",
        StraceSyscall.Exit => "exit",
        StraceSyscall.ExitGroup => "exit_group",
        _ => "unknown",
    };
}
