namespace Emulator.Core.Kernel;

/// <summary>How one guest process ended.</summary>
/// <param name="Pid">Its process ID.</param>
/// <param name="ParentPid">Its parent's, 0 for a process the host spawned.</param>
/// <param name="Name">argv[0].</param>
/// <param name="Exited">False when the run stopped before the process did.</param>
/// <param name="WaitStatus">The wait4 status word: <c>code &lt;&lt; 8</c>, or the signal number.</param>
/// <param name="Instructions">Instructions it retired.</param>
/// <param name="Report">Why it was killed, or null.</param>
public sealed record GuestProcessResult(int Pid, int ParentPid, string Name, bool Exited, int WaitStatus, long Instructions, string? Report)
{
    /// <summary>The signal that killed it (WTERMSIG), 0 when it exited normally.</summary>
    public int Signal => WaitStatus & 0x7f;

    /// <summary>exit()'s argument (WEXITSTATUS); meaningful when <see cref="Signal"/> is 0.</summary>
    public int ExitCode => (WaitStatus >> 8) & 0xff;

    /// <summary>What a shell reports: the exit code, or 128 + the signal.</summary>
    public int ShellStatus => Signal != 0 ? 128 + Signal : ExitCode;

    public override string ToString() =>
        $"pid {Pid} ({Name}): " + (!Exited ? "still running" : Signal != 0 ? $"killed by signal {Signal}" : $"exit {ExitCode}") +
        (Report is null ? "" : $" — {Report}");
}
