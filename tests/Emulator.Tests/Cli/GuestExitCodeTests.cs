using System.Text.Json;
using Emulator.Tests.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Cli;

/// <summary><c>boot --guest</c>: the guest's arguments only after --, its own exit status passed
/// through (as qemu-user does), its streams its own, and <c>--error-exitcode</c> when the emulator
/// found a problem. Real static programs built by gcc; skipped, saying why, without gcc.</summary>
public sealed class GuestExitCodeTests
{
    /// <summary>Prints its arguments one a line on stdout, "to stderr" on stderr, exits with argv[1].</summary>
    private const string EchoSource = """
        #include <stdio.h>
        #include <stdlib.h>
        int main(int argc, char **argv) {
            for (int i = 1; i < argc; i++) printf("%s\n", argv[i]);
            fprintf(stderr, "to stderr\n");
            return argc > 1 ? atoi(argv[1]) : 0;
        }
        """;

    private static readonly Lazy<string> Echo = new(() => Gcc.Compile(EchoSource, "-static -O2", "echo").Path);

    [GccFact]
    public void Arguments_after_the_double_dash_reach_the_guest_and_its_status_is_passed_through()
    {
        var r = CliProcess.Emulator("boot", "--ram", "64M", "--guest", Echo.Value, "--", "7", "--seed", "x");

        Assert.True(r.Rc == 7, r.ToString()); // the guest's own exit status
        Assert.Equal("7\n--seed\nx\n", r.Out); // stdout carries only what the guest wrote; --seed was the guest's
        Assert.StartsWith("to stderr\n", r.Err); // the guest's stderr first, then the emulator's summary
        Assert.Contains("oracle: coherent", r.Err);
    }

    [GccFact]
    public void Words_before_the_double_dash_are_not_guest_arguments()
    {
        var r = CliProcess.Emulator("boot", "--guest", Echo.Value, "7");

        Assert.Equal(2, r.Rc); // a stray word is an error, not argv[1]
        Assert.Contains("unexpected argument '7' (the guest's arguments follow --)", r.Err);
    }

    [GccFact]
    public void Summary_and_json_files_take_the_report_off_stderr()
    {
        using var dir = new CliTempDir();
        string summary = dir.File_("summary.txt"), json = dir.File_("summary.json");

        var r = CliProcess.Emulator("boot", "--ram", "64M", "--guest", Echo.Value, "--summary", summary, "--json", json, "--stats", "--", "3");

        Assert.Equal(3, r.Rc);
        Assert.Equal("to stderr\n", r.Err); // with --summary, stderr is the guest's alone
        Assert.Contains("oracle: coherent", File.ReadAllText(summary));
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal(3, doc.RootElement.GetProperty("guest_status").GetInt32());
        Assert.Equal(3, doc.RootElement.GetProperty("exit_code").GetInt32());
        Assert.True(doc.RootElement.GetProperty("oracle").GetProperty("coherent").GetBoolean());
        Assert.Equal("echo", Path.GetFileName(doc.RootElement.GetProperty("processes")[0].GetProperty("name").GetString()));
        Assert.True(doc.RootElement.GetProperty("stats").GetProperty("invalidations").GetInt64() >= 0); // --stats joins the JSON
        Assert.Contains("stats: SMMU commands per invalidation", File.ReadAllText(summary)); // and the text summary
    }

    [GccFact]
    public void When_the_oracle_fires_the_exit_status_is_error_exitcode_with_the_reason_on_stderr()
    {
        string churn = GuestGcc.Build("mmap-churn").Path;

        var byDefault = CliProcess.Emulator("boot", "--ram", "64M", "--inject", "skip-atc-inv", "--guest", churn);
        var chosen = CliProcess.Emulator("boot", "--ram", "64M", "--inject", "skip-atc-inv", "--guest", churn, "--error-exitcode", "42");
        var clean = CliProcess.Emulator("boot", "--ram", "64M", "--guest", churn, "--error-exitcode", "42");

        Assert.True(byDefault.Rc == 66, byDefault.ToString()); // the documented default, not the guest's status
        Assert.Contains("the coherence oracle fired", byDefault.Err);
        Assert.Contains("instead of the guest's", byDefault.Err);
        Assert.Contains("cause: missing invalidation", byDefault.Err); // the readable oracle report
        Assert.Equal(42, chosen.Rc);
        Assert.True(clean.Rc == 0, clean.ToString()); // --error-exitcode only applies to a problem
    }
}
