using Emulator.Core.Pcie;

namespace Emulator.Core.Kernel.Devices;

/// <summary>The device's answer to one submission: the outcome, the completion it computed, and the
/// DMA fault that stopped the fetch or the completion write (if one did).</summary>
public readonly record struct SvaSubmitResult(SvaSubmitOutcome Outcome, SvaCompletion Completion, DmaResult Dma);
