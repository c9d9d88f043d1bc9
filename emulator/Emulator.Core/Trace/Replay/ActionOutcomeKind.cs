namespace Emulator.Core.Trace.Replay;

/// <summary>What kind of thing an action did; see <see cref="ActionOutcome"/>.</summary>
public enum ActionOutcomeKind : byte
{
    /// <summary>It succeeded (a read also matched its pattern, when it had one).</summary>
    Ok,

    /// <summary>A CPU access raised SIGSEGV, or the device reported the DMA as failed.</summary>
    Fault,

    /// <summary>The call failed with <see cref="ActionOutcome.Error"/>.</summary>
    Error,

    /// <summary>A read completed but its bytes are not the expected pattern.</summary>
    Mismatch,

    /// <summary>The action could not be attempted (its process or device does not exist).</summary>
    Broken,
}
