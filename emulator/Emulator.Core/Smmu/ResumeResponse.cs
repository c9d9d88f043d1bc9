namespace Emulator.Core.Smmu;

/// <summary>CMD_RESUME action, word 0 bits 13:12 as Linux encodes them (<c>CMDQ_RESUME_0_RESP</c>).</summary>
/// <remarks>
/// SMMUv3 §4.7.1 defines two one-bit parameters, Action (Ac, bit 12: 1 retry, 0 terminate) and Abort
/// (Ab, bit 13: with terminate, 1 aborts and 0 completes with RAZ/WI). Linux packs them into one 2-bit
/// field: <c>CMDQ_RESUME_0_RESP_TERM</c> 0, <c>_RETRY</c> 1, <c>_ABORT</c> 2. The raw value 3 (Ac=1, Ab=1) is
/// a retry with Ab IGNORED — legal, read back as <see cref="Retry"/> by
/// <see cref="Command.ResumeAction"/>.
/// </remarks>
public enum ResumeResponse : byte
{
    /// <summary>Terminate, completing the stalled transaction with RAZ/WI (Ac=0, Ab=0).</summary>
    Terminate = 0,

    /// <summary>Retry the stalled transaction as though it had just arrived (Ac=1).</summary>
    Retry = 1,

    /// <summary>Terminate with an abort reported to the client (Ac=0, Ab=1).</summary>
    Abort = 2,
}
