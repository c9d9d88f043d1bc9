namespace Emulator.Core.Pcie;

/// <summary>PRG Response Message codes (PCIe Base Spec §10.4.2).</summary>
public enum PriResult : byte
{
    /// <summary>The pages are resident: retry the translation.</summary>
    Success = 0,
    /// <summary>The request was invalid (e.g. no mapping): the DMA fails, PRI stays enabled.</summary>
    InvalidRequest = 1,
    /// <summary>The agent cannot service requests: the function must stop using PRI.</summary>
    ResponseFailure = 0xF,
}
