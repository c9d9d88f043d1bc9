using System.Diagnostics;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cli;

/// <summary>
/// The README's exploration walk-through works as written: its <c>gcc</c> line builds the standard
/// racing guest from the repository root, and the <c>boot</c> line it prints for a failing schedule
/// exits 66 (the oracle fired) — while the same schedule without the injected bug exits 0. (The line
/// once lacked <c>-I tests/guests/crt</c> and did not compile.)
/// </summary>
public sealed class ReadmeExploreRecipeTests : IDisposable
{
    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The README line that starts with <paramref name="prefix"/>, its trailing comment cut.</summary>
    private static string ReadmeLine(string prefix)
    {
        string readme = File.ReadAllText(Path.Combine(CorpusTests.RepoRoot(), "README.md"));
        string line = readme.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        int comment = line.IndexOf(" #", StringComparison.Ordinal);
        return comment < 0 ? line : line[..comment].TrimEnd();
    }

    [RecipeFact("gcc")]
    public void The_documented_build_and_failing_schedule_work_as_written()
    {
        string gcc = ReadmeLine("gcc -static -nostdlib").Replace("-o sva-race", "-o " + Path.Combine(_dir.Path, "sva-race"), StringComparison.Ordinal);
        var psi = new ProcessStartInfo("/bin/sh", ["-c", gcc]) { WorkingDirectory = CorpusTests.RepoRoot(), RedirectStandardError = true };
        using (var build = Process.Start(psi)!)
        {
            string err = build.StandardError.ReadToEnd();
            build.WaitForExit();
            Assert.True(build.ExitCode == 0, $"{gcc}\n{err}"); // the README's line compiles
        }
        // "dotnet run --project emulator/Emulator.Cli -- boot --guest ./sva-race --seed 6 ..." as arguments.
        string boot = ReadmeLine("dotnet run --project emulator/Emulator.Cli -- boot --guest ./sva-race");
        string[] args = boot[(boot.IndexOf("-- ", StringComparison.Ordinal) + 3)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(a => a == "./sva-race" ? Path.Combine(_dir.Path, "sva-race") : a).ToArray();

        var failing = CliProcess.Emulator(args);
        var correct = CliProcess.Emulator([.. args.TakeWhile(a => a != "--inject")]);

        Assert.True(failing.Rc == 66, failing.ToString());  // as the README says: the oracle fired
        Assert.Contains("oracle", failing.Err);
        Assert.True(correct.Rc == 0, correct.ToString());   // the same seed and schedule without the bug is clean
    }
}
