namespace Emulator.Core.Kernel.Exec;

/// <summary>What a new process image gets besides its ELF file, argv and envp.</summary>
/// <remarks>Defaults describe a non-root user on a machine without address-space randomisation, so
/// every run lays out the same bytes at the same addresses.</remarks>
public sealed record ProcessImageOptions
{
    /// <summary>AT_EXECFN: the path execve was given. Null: argv[0] (or the empty string without argv).</summary>
    public string? ExecFn { get; init; }

    /// <summary>Seeds the 16 AT_RANDOM bytes (stack-protector canary, pointer guard): same seed, same bytes.</summary>
    public ulong RandomSeed { get; init; } = 0x5EED_5EED_5EED_5EEDUL;

    /// <summary>Bytes of the stack mapping below the top of user space (RLIMIT_STACK's default, 8 MiB).
    /// Only touched pages cost memory.</summary>
    public ulong StackSize { get; init; } = 8UL << 20;

    public uint Uid { get; init; } = 1000;
    public uint Euid { get; init; } = 1000;
    public uint Gid { get; init; } = 1000;
    public uint Egid { get; init; } = 1000;

    /// <summary>AT_HWCAP: on x86-64, CPUID.01H:EDX. Default: the x86-64 baseline (FPU, TSC, CX8, CMOV, MMX,
    /// FXSR, SSE, SSE2); the syscall layer passes what the emulated CPU reports.</summary>
    public ulong Hwcap { get; init; } = Cpu.CpuFeatures.Hwcap(Cpu.CpuLevel.V1);

    /// <summary>AT_HWCAP2 (x86: ring-3 MWAIT, FSGSBASE): none.</summary>
    public ulong Hwcap2 { get; init; }

    /// <summary>AT_PLATFORM string (Linux x86-64: <c>utsname()->machine</c>).</summary>
    public string Platform { get; init; } = "x86_64";

    public static ProcessImageOptions Default { get; } = new();
}
