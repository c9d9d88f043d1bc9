namespace Emulator.Core.Kernel.Exec;

/// <summary>
/// A process image ready to run: where the CPU starts and where the loader put things. The CPU begins
/// at <see cref="Entry"/> with RSP = <see cref="StackPointer"/>, RDX = 0 (no dynamic-linker fini
/// function) and every other general-purpose register zero, as Linux's <c>start_thread</c> leaves them.
/// </summary>
public sealed record LoadedProcess
{
    /// <summary>Initial RIP (<c>e_entry</c>).</summary>
    public required ulong Entry { get; init; }

    /// <summary>Initial RSP: the address of argc, 16-byte aligned (x86-64 psABI §3.4.1).</summary>
    public required ulong StackPointer { get; init; }

    /// <summary>Exclusive end of the stack mapping (the top of user space).</summary>
    public required ulong StackTop { get; init; }

    /// <summary>Lowest address of the stack mapping.</summary>
    public required ulong StackBase { get; init; }

    /// <summary>The program break after loading (the page-aligned end of the image, or the mm's configured start).</summary>
    public required ulong Brk { get; init; }

    /// <summary>Address of the argv pointer array (StackPointer + 8).</summary>
    public required ulong ArgvAddress { get; init; }

    /// <summary>Address of the envp pointer array.</summary>
    public required ulong EnvpAddress { get; init; }

    /// <summary>Address of the auxiliary vector.</summary>
    public required ulong AuxvAddress { get; init; }

    /// <summary>Addresses of the argv strings, in order.</summary>
    public required IReadOnlyList<ulong> ArgAddresses { get; init; }

    /// <summary>Addresses of the envp strings, in order.</summary>
    public required IReadOnlyList<ulong> EnvAddresses { get; init; }

    /// <summary>The auxiliary vector as written, AT_NULL last.</summary>
    public required IReadOnlyList<AuxvEntry> Auxv { get; init; }

    /// <summary>The value of <paramref name="type"/> in <see cref="Auxv"/>, or null.</summary>
    public ulong? AuxValue(AuxvType type)
    {
        foreach (var e in Auxv)
        {
            if (e.Type == type)
            {
                return e.Value;
            }
        }
        return null;
    }
}
