namespace Emulator.Core.Pcie;

/// <summary>Outcome of waiting for ATC invalidations to complete.</summary>
public enum AtcSyncResult : byte
{
    /// <summary>Every invalidation issued before the wait has its Invalidate Completion.</summary>
    Complete,
    /// <summary>At least one did not complete in time: the SMMU reports CERROR_ATC_INV_SYNC.</summary>
    Timeout,
}
