namespace Emulator.Core.Trace.Strace;

/// <summary>One line of an strace log, split by <see cref="StraceLineParser.TryParseLine"/>.</summary>
/// <remarks>Positions are 0-based indexes into the line that was parsed; the line itself is not
/// kept, so a caller that needs text (an unfinished call's arguments) slices its own span.</remarks>
public struct StraceLine
{
    public StraceLineKind Kind;

    /// <summary>The pid prefix (<c>5911  </c> or <c>[pid  5911] </c>); 0 on a line without one.</summary>
    public int Pid;

    /// <summary>The call's kind, for <see cref="StraceLineKind.Call"/>, <see cref="StraceLineKind.Unfinished"/>
    /// and <see cref="StraceLineKind.Resumed"/>.</summary>
    public StraceSyscall Syscall;

    /// <summary>Where the syscall name starts, and its length.</summary>
    public int NameStart;
    public int NameLength;

    /// <summary>Call / Unfinished: just after <c>NAME(</c>. Resumed: just after <c>resumed&gt;</c>.</summary>
    public int BodyStart;

    /// <summary>Unfinished: end of the arguments printed so far (before <c> &lt;unfinished ...&gt;</c>).</summary>
    public int BodyEnd;

    /// <summary>A complete call of a known syscall, typed.</summary>
    public StraceCall Call;
}
