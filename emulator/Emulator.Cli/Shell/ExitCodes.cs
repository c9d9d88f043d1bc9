namespace Emulator.Cli.Shell;

/// <summary>
/// The one exit-code scheme every command follows (README § Exit status, <c>--help</c> of each
/// command). Scripts rely on these numbers: they separate "the run found a problem" from "you asked
/// wrongly" from "the machine around us failed".
/// </summary>
/// <remarks>
/// Anchors: git and qemu-img use 1 for a check that found something and distinct codes for usage;
/// 130 is 128 + SIGINT as a shell reports an interrupted job; 70 is sysexits' EX_SOFTWARE.
/// <c>boot --guest</c> is the one exception (see <see cref="DefaultGuestErrorExitCode"/>).
/// </remarks>
internal static class ExitCodes
{
    /// <summary>The run completed and found nothing wrong.</summary>
    public const int Success = 0;

    /// <summary>The run completed and found a problem: an expectation failed, the oracle fired,
    /// lockstep diverged, a selftest check or a benchmark target missed.</summary>
    public const int Finding = 1;

    /// <summary>Usage or malformed input: a bad option, a malformed trace, ELF, configuration or strace log.</summary>
    public const int Usage = 2;

    /// <summary>The environment failed: a file missing or unreadable, the board unreachable or lost
    /// after reconnecting, a library or tool missing.</summary>
    public const int Environment = 3;

    /// <summary>An emulator bug escaped every handler (sysexits EX_SOFTWARE); the message asks for a report.</summary>
    public const int Internal = 70;

    /// <summary>Interrupted by Ctrl-C (SIGINT): 128 + 2, as a shell reports it.</summary>
    public const int Interrupted = 130;

    /// <summary><c>boot --guest</c> passes the guest's own status through (as qemu-user does); when the
    /// oracle, lockstep or the emulator found a problem it exits with <c>--error-exitcode</c>, by
    /// default this value — ThreadSanitizer's default, and outside the range programs usually return
    /// and the shell's 126/127/128+N.</summary>
    public const int DefaultGuestErrorExitCode = 66;

    /// <summary>The "Exit status:" paragraph for a command's help: the shared scheme, with what 1 means
    /// for this command.</summary>
    /// <param name="finding">What exit 1 means here, or null when the command has no findings.</param>
    public static string Help(string? finding) =>
        "\n\nExit status: 0 success" +
        (finding is null ? "" : $"; 1 {finding}") +
        "; 2 usage or malformed input; 3 the environment failed (a file missing or unreadable, the board unreachable, a tool missing); 130 interrupted.";

    /// <summary>The most serious of two codes: environment over usage over finding over success
    /// (interrupted and internal errors win over all).</summary>
    public static int Worst(int a, int b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(int code) => code switch
    {
        Success => 0,
        Finding => 1,
        Usage => 2,
        Environment => 3,
        Interrupted => 4,
        _ => 5,
    };
}
