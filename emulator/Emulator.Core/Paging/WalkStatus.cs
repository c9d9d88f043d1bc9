namespace Emulator.Core.Paging;

/// <summary>How a page walk ended.</summary>
/// <remarks>SDM Vol. 3A §4.5 (the walk), §4.7 (#PF); SMMUv3 §7.3 F_WALK_EABT for the abort case.</remarks>
public enum WalkStatus : byte
{
    /// <summary>The address translated; <see cref="WalkResult.Translation"/> holds the result.</summary>
    Ok = 0,

    /// <summary>A #PF: not present, reserved bit, or access-rights violation; see <see cref="WalkResult.ErrorCode"/>.</summary>
    PageFault = 1,

    /// <summary>The address is not canonical for the paging mode. No walk happened and no memory was
    /// read; a CPU raises #GP (or #SS), the SMMU a translation fault.</summary>
    NonCanonical = 2,

    /// <summary>A paging-structure entry lies outside RAM; the SMMU reports F_WALK_EABT. A real CPU
    /// would read whatever the bus returns; the emulator treats it as a machine problem, not a #PF.</summary>
    ExternalAbort = 3,
}
