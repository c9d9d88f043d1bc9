namespace Emulator.Core.Pcie;

/// <summary>
/// An Invalidate Completion message (PCIe Base Spec §10.3.2): the endpoint's answer to one ATS
/// Invalidate Request once the ATC no longer serves the range.
/// </summary>
/// <param name="Sid">Requester ID (StreamID) of the endpoint that completed it.</param>
/// <param name="ITagVector">One bit per ITag (0..31) completed.</param>
/// <param name="CompletionCount">Completion messages sent for the request (CC; one in this model).</param>
/// <param name="EntriesRemoved">ATC entries the request removed (diagnostics; not on the wire).</param>
public readonly record struct AtsInvalidateCompletion(uint Sid, uint ITagVector, byte CompletionCount, int EntriesRemoved);
