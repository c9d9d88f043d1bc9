namespace Emulator.Core.Paging;

/// <summary>
/// The kind of memory access being translated: the inputs of the x86-64 access-rights check that
/// also become the W/R, U/S and I/D bits of a page-fault error code.
/// </summary>
/// <remarks>
/// SDM Vol. 3A §4.6 (access rights) and §4.7 (error code). A supervisor data read is
/// <see cref="Read"/>; a user store is <c>Write | User</c>; a user instruction fetch is
/// <c>Execute | User</c>. <see cref="Execute"/> is never combined with <see cref="Write"/> (a fetch
/// is a read). "User" is the CPL of the access (CPL 3), not the U/S bit of the page: an implicit
/// supervisor access made while running user code (a descriptor-table read) is a supervisor access.
/// </remarks>
[Flags]
public enum AccessType : byte
{
    /// <summary>Supervisor data read.</summary>
    Read = 0,

    /// <summary>The access writes (W/R = 1 in the error code).</summary>
    Write = 1,

    /// <summary>The access is made at CPL 3 (U/S = 1 in the error code).</summary>
    User = 2,

    /// <summary>Instruction fetch (I/D = 1 in the error code when EFER.NXE or CR4.SMEP is set).</summary>
    Execute = 4,

    /// <summary>
    /// An explicit supervisor data access made with EFLAGS.AC = 1 (between STAC and CLAC): CR4.SMAP
    /// does not block it (SDM Vol. 3A §4.6.1). Never set it for implicit supervisor accesses, which
    /// SMAP always checks. Ignored for user accesses and instruction fetches.
    /// </summary>
    EflagsAc = 8,
}
