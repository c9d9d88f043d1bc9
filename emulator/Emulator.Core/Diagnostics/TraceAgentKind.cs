namespace Emulator.Core.Diagnostics;

/// <summary>Who did what a trace event records: the track it goes on in a timeline.</summary>
public enum TraceAgentKind : byte
{
    /// <summary>A vCPU (index in the agent), or the replaying host thread (-1) outside a guest kernel.</summary>
    Cpu,

    /// <summary>An MMU-notifier subscriber (the event's subject names it).</summary>
    Notifier,

    /// <summary>The SMMU's command queue.</summary>
    Smmu,

    /// <summary>A PCIe device's ATC (index: its StreamID).</summary>
    Device,

    /// <summary>The board link.</summary>
    Board,
}
