namespace Emulator.Core.Paging;

/// <summary>The error code a #PF pushes: why a linear-address translation failed.</summary>
/// <remarks>
/// SDM Vol. 3A §4.7, Figure 4-12. Only the bits the walker can produce are declared; PK (bit 5,
/// protection keys), SS (bit 6, shadow stacks), HLAT (bit 7) and SGX (bit 15) are not modelled.
/// </remarks>
[Flags]
public enum PageFaultErrorCode : uint
{
    /// <summary>A user/supervisor read of a not-present page.</summary>
    None = 0,

    /// <summary>P: 0 = a not-present entry stopped the walk; 1 = a protection violation or a
    /// reserved bit in a present entry.</summary>
    Present = 1 << 0,

    /// <summary>W/R: the access was a write.</summary>
    Write = 1 << 1,

    /// <summary>U/S: the access was a user-mode (CPL 3) access.</summary>
    User = 1 << 2,

    /// <summary>RSVD: a reserved bit was set in some paging-structure entry (always with P).</summary>
    ReservedBit = 1 << 3,

    /// <summary>I/D: the access was an instruction fetch and EFER.NXE or CR4.SMEP is 1.</summary>
    InstructionFetch = 1 << 4,
}
