namespace Emulator.Core.Trace.Strace;

/// <summary>
/// The places where the trace cannot say exactly what the log says, each counted under its name in
/// <see cref="StraceImportResult.Approximations"/> (docs/strace-import.md explains every rule).
/// </summary>
public static class StraceApproximation
{
    /// <summary>A failed call the emulated mm would not fail (the failure came from real-kernel
    /// state the model lacks: files, rlimits, …): dropped, since replaying it would change the state.</summary>
    public const string FailureDropped = "failed call the model would not fail (dropped)";

    /// <summary>A failed call the emulated mm fails with another errno: written with <c>=&gt; any</c>.</summary>
    public const string FailureOtherErrno = "failed call the model fails with another errno (=> any)";

    /// <summary>A failed mmap without an address: there is no address to replay it at.</summary>
    public const string FailedMmapWithoutAddress = "failed mmap without an address (dropped)";

    /// <summary>A call that succeeded on pages the log never showed mapped (the executable, ld.so,
    /// the stack, the vdso: the kernel maps them): the pages are mapped first.</summary>
    public const string AdoptedPages = "call on pages the log never mapped (mapped first)";

    /// <summary>A successful call the emulated mm would refuse (e.g. below mmap_min_addr): dropped.</summary>
    public const string SuccessRefused = "successful call the model would refuse (dropped)";

    /// <summary>A mapping over pages the model still had (a MAP_FIXED over them is not counted).</summary>
    public const string StaleOverlap = "mapping over pages the model still held (unmapped first)";

    /// <summary><c>= ?</c>: the call's outcome is unknown.</summary>
    public const string UnknownResult = "memory call with unknown result '= ?' (dropped)";

    /// <summary>madvise advice v1 cannot express (only <c>dontneed</c>; MADV_FREE is written as it).</summary>
    public const string AdviceDropped = "madvise advice other than MADV_DONTNEED/MADV_FREE (dropped)";

    /// <summary>A brk that failed: the log shows no errno, only the unchanged break.</summary>
    public const string BrkFailed = "failed brk (no errno in the log; dropped)";

    /// <summary>A brk whose old or new break is outside the user address space (a log the model cannot
    /// hold): nothing written, the break remembered.</summary>
    public const string BrkOutsideAddressSpace = "brk outside the address space (dropped)";

    /// <summary>brk(ADDR) before the process's first brk(NULL): the old break is not known.</summary>
    public const string BrkUnknownBase = "brk before brk(NULL) (old break unknown; heap not mapped)";

    /// <summary>An mremap the model cannot repeat (source across VMAs, MREMAP_DONTUNMAP of a shared
    /// mapping, old size 0): written as munmap of the old range and mmap of the new.</summary>
    public const string MremapAsRemap = "mremap written as munmap + mmap";

    /// <summary>PROT_GROWSDOWN, PROT_GROWSUP, PROT_SEM or unnamed protection bits.</summary>
    public const string ProtectionBitsDropped = "protection bits other than PROT_READ/WRITE/EXEC (dropped)";

    /// <summary>A call still unfinished at the end of the log, or when its task died.</summary>
    public const string NeverResumed = "unfinished call never resumed (dropped)";
}
