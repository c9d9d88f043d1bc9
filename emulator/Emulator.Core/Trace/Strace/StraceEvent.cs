namespace Emulator.Core.Trace.Strace;

/// <summary>A completed call (unfinished halves already joined) or a task's end, in log order.</summary>
/// <param name="Line">The log line that completed it (the <c>resumed</c> line of a joined call).</param>
/// <param name="Pid">0 for a line without pid prefix.</param>
/// <param name="Call">The call, for a line that is not an exit.</param>
/// <param name="Exited"><c>+++ exited ... +++</c> / <c>+++ killed by ... +++</c>; <paramref name="Call"/> is unused.</param>
internal readonly record struct StraceEvent(int Line, int Pid, bool Exited, StraceCall Call);
