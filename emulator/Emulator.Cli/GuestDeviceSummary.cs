namespace Emulator.Cli;

/// <summary>One SVA device's asynchronous work in a guest run (<c>boot</c>'s summary).</summary>
/// <param name="Path">/dev/svaN.</param>
/// <param name="PortalDescriptors">Descriptors submitted through its portals.</param>
/// <param name="EnqcmdRetries">ENQCMD submissions answered "retry" (queue full).</param>
/// <param name="DrainingInvalidations">ATS invalidations that waited for DMAs in flight.</param>
/// <param name="DrainedAccesses">DMAs in flight those invalidations completed first.</param>
/// <param name="EarlyCompletions">Invalidations answered before draining (complete-before-drain only).</param>
internal sealed record GuestDeviceSummary(string Path, long PortalDescriptors, long EnqcmdRetries, long DrainingInvalidations, long DrainedAccesses, long EarlyCompletions);
