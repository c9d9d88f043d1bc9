namespace Emulator.Core.Diagnostics;

/// <summary>One trace event: what, when (virtual cycles, <see cref="TraceEvents"/>), by whom, and up to
/// four arguments whose meaning <see cref="TraceEventId"/> documents per event.</summary>
/// <param name="Id">The trace point.</param>
/// <param name="Time">Virtual cycles since the session began.</param>
/// <param name="Agent">The kind of agent.</param>
/// <param name="AgentIndex">vCPU index, StreamID, or -1.</param>
/// <param name="A0">First argument.</param>
/// <param name="A1">Second argument.</param>
/// <param name="A2">Third argument.</param>
/// <param name="A3">Fourth argument.</param>
/// <param name="Subject">The mm or notifier subscriber concerned, when there is one (named by the sinks).</param>
public readonly record struct TraceEvent(TraceEventId Id, long Time, TraceAgentKind Agent, int AgentIndex,
    ulong A0, ulong A1, ulong A2, ulong A3, object? Subject);
