namespace Emulator.Core.Trace.Strace;

/// <summary>What one line of an strace log is.</summary>
public enum StraceLineKind : byte
{
    /// <summary>Nothing for the importer: blank, <c>--- SIGCHLD ... ---</c>, <c>strace: ...</c> messages.</summary>
    Ignored = 0,
    /// <summary><c>NAME(ARGS) = RESULT</c>: a complete call.</summary>
    Call = 1,
    /// <summary><c>NAME(ARGS... &lt;unfinished ...&gt;</c>: the first half of a call another pid interrupted.</summary>
    Unfinished = 2,
    /// <summary><c>&lt;... NAME resumed&gt; REST</c>: the second half, joined with its pid's unfinished half.</summary>
    Resumed = 3,
    /// <summary><c>+++ exited with N +++</c> or <c>+++ killed by SIG... +++</c>: the task is gone.</summary>
    Exited = 4,
}
