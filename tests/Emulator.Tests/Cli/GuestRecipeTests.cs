using System.Diagnostics;
using System.Text.RegularExpressions;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cli;

/// <summary>
/// The guest build recipe in <c>docs/guest-abi.md</c> works as written: every <c>gcc</c>/<c>musl-gcc</c>
/// line of its shell blocks is run verbatim (from a directory laid out like the repository) and the
/// program it builds runs under <c>emulator boot --guest</c>. Skipped, saying which, when a compiler
/// is missing.
/// </summary>
public sealed partial class GuestRecipeTests : IDisposable
{
    /// <summary>The recipes the document must show (the lead's docs/guest-abi.md shows exactly these).</summary>
    public static readonly string[] Expected =
    [
        "gcc -static -O2 -o hello hello.c",
        "musl-gcc -static -O2 -o hello hello.c",
        "gcc -static -nostdlib -fno-pic -no-pie -O2 -I tests/guests/include -o prog prog.c tests/guests/crt/start.c",
    ];

    private const string HelloC = """
        #include <stdio.h>
        int main(int argc, char **argv) {
            printf("hello from %s with %d argument(s)\n", argc > 1 ? argv[1] : "nobody", argc - 1);
            return 0;
        }
        """;

    private const string ProgC = """
        #include "sys.h"
        int main(int argc, char **argv, char **envp) {
            (void)argv; (void)envp;
            static const char msg[] = "prog: hello\n";
            sys_write(1, msg, sizeof msg - 1);
            return argc - 1;
        }
        """;

    private readonly CliTempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The compiler lines of docs/guest-abi.md's <c>sh</c> blocks.</summary>
    internal static List<string> DocumentedRecipes()
    {
        string doc = File.ReadAllText(Path.Combine(CorpusTests.RepoRoot(), "docs", "guest-abi.md"));
        var recipes = new List<string>();
        foreach (Match block in ShBlock().Matches(doc))
        {
            foreach (string line in block.Groups[1].Value.Split('\n'))
            {
                string l = line.Trim();
                if (l.StartsWith("gcc ", StringComparison.Ordinal) || l.StartsWith("musl-gcc ", StringComparison.Ordinal))
                {
                    recipes.Add(l);
                }
            }
        }
        return recipes;
    }

    [Fact]
    public void The_document_shows_exactly_the_tested_recipes() =>
        Assert.Equal(Expected, DocumentedRecipes()); // a recipe changed in the doc must change here (and be run) too

    [RecipeFact("gcc")]
    public void The_glibc_recipe_builds_a_program_the_emulator_runs() => BuildAndRun(0);

    [RecipeFact("musl-gcc")]
    public void The_musl_recipe_builds_a_program_the_emulator_runs() => BuildAndRun(1);

    [RecipeFact("gcc")]
    public void The_libc_free_recipe_builds_a_program_the_emulator_runs() => BuildAndRun(2);

    private void BuildAndRun(int index)
    {
        string recipe = Expected[index];
        // A directory laid out like the repository's root, so the recipe's relative paths hold.
        string root = _dir.Path;
        Directory.CreateSymbolicLink(Path.Combine(root, "tests"), Path.Combine(CorpusTests.RepoRoot(), "tests"));
        File.WriteAllText(Path.Combine(root, "hello.c"), HelloC);
        File.WriteAllText(Path.Combine(root, "prog.c"), ProgC);

        var build = Shell(recipe, root);
        Assert.True(build.Rc == 0, $"{recipe}\n{build.Err}"); // the recipe, exactly as documented, builds

        string exe = Path.Combine(root, recipe.Contains("-o prog", StringComparison.Ordinal) ? "prog" : "hello");
        var run = CliProcess.Emulator("boot", "--ram", "256M", "--guest", exe, "--", "tester");
        if (exe.EndsWith("prog", StringComparison.Ordinal))
        {
            Assert.True(run.Rc == 1, run.ToString()); // main's return value (argc - 1) is the exit status
            Assert.Equal("prog: hello\n", run.Out);
        }
        else
        {
            Assert.True(run.Rc == 0, run.ToString());
            Assert.Equal("hello from tester with 1 argument(s)\n", run.Out);
        }
    }

    private static (int Rc, string Err) Shell(string command, string cwd)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", command]) { WorkingDirectory = cwd, RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }

    internal static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(d => d.Length > 0).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShBlock();
}
