namespace Emulator.Core.Smmu;

/// <summary>SMMU_CMDQ_CONS.ERR (bits 30:24): why the command queue stopped.</summary>
/// <remarks>SMMUv3 §6.3.28 SMMU_CMDQ_CONS and §7.1 (Command queue errors); Linux
/// <c>CMDQ_ERR_CERROR_*_IDX</c>. CONS.RD keeps pointing at the failing command until software
/// acknowledges GERROR.CMDQ_ERR.</remarks>
public enum CommandError : byte
{
    /// <summary>CERROR_NONE.</summary>
    None = 0,

    /// <summary>CERROR_ILL: a reserved opcode, an ILLEGAL parameter or a detected non-zero reserved field.</summary>
    Illegal = 1,

    /// <summary>CERROR_ABT: an external abort fetching the command from memory.</summary>
    Abort = 2,

    /// <summary>CERROR_ATC_INV_SYNC: a CMD_SYNC found an ATC invalidation that did not complete in time.</summary>
    AtcInvSync = 3,
}
