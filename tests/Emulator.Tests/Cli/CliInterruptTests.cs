using Emulator.Tests.Cpu;
using Emulator.Tests.Kernel.Libc;

namespace Emulator.Tests.Cli;

/// <summary>Ctrl-C during <c>boot --guest</c> is the guest's console SIGINT: a program that handles
/// it goes on (and here exits 0), one that does not dies of it — either way the run ends with the
/// summary and the guest's status, never a silent 130.</summary>
public sealed class CliInterruptTests
{
    private static (int Rc, string Out, string Err) BootAndInterrupt(params string[] guestArgs)
    {
        string exe = LibcBuild.Build("sigint-wait", "glibc");
        using var p = CliProcess.Start(CliProcess.EmulatorPath, ["boot", "--guest", exe, "--", .. guestArgs]);
        var stderr = p.StandardError.ReadToEndAsync();
        string? first = p.StandardOutput.ReadLine(); // "ready": the guest spins, waiting for SIGINT
        Assert.Equal("ready", first);
        CliProcess.Interrupt(p.Id);
        string rest = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(CliProcess.HangGuard));
        return (p.ExitCode, rest, stderr.Result);
    }

    [GccFact]
    public void A_guest_without_a_handler_dies_of_SIGINT_and_the_summary_says_so()
    {
        var (rc, stdout, stderr) = BootAndInterrupt();

        Assert.True(rc == 130, $"exit {rc}\n{stderr}");      // the guest's status: 128 + SIGINT
        Assert.DoesNotContain("caught", stdout);
        Assert.Contains("SIGINT", stderr);                   // the summary names how the guest ended
        Assert.Contains("oracle", stderr);                   // and the summary was printed at all
    }

    [GccFact]
    public void A_guest_with_a_handler_catches_SIGINT_and_exits_normally()
    {
        var (rc, stdout, stderr) = BootAndInterrupt("handler");

        Assert.True(rc == 0, $"exit {rc}\n{stderr}");        // the emulator did not die with the Ctrl-C
        Assert.Equal("caught SIGINT\n", stdout);             // the guest's handler ran
    }
}
