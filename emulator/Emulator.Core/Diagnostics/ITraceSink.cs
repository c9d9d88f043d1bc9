namespace Emulator.Core.Diagnostics;

/// <summary>Receives trace events (a text log, a timeline, statistics). Called with the session's lock
/// held, in the order the events happened; must not emit events itself.</summary>
public interface ITraceSink
{
    /// <summary>One event.</summary>
    void Write(in TraceEvent e);
}
