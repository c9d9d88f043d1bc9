using Emulator.Cli;
using Emulator.Cli.Shell;
using Emulator.Tests.Trace;

namespace Emulator.Tests.Cli;

/// <summary><c>docs/cli.md</c> is generated from the command definitions; this test fails when it is
/// stale (and rewrites it with <c>UPDATE_CLI_DOCS=1</c>).</summary>
public class CliReferenceTests
{
    private static string DocPath => Path.Combine(CorpusTests.RepoRoot(), "docs", "cli.md");

    private static string Generated() =>
        CliReference.Generate(EmulatorCli.CreateRoot(CliContext.ForStrings(new StringWriter(), new StringWriter())));

    [Fact]
    public void Docs_cli_md_is_current()
    {
        string generated = Generated();
        if (Environment.GetEnvironmentVariable("UPDATE_CLI_DOCS") == "1")
        {
            File.WriteAllText(DocPath, generated);
        }

        Assert.True(File.Exists(DocPath), "docs/cli.md is missing: UPDATE_CLI_DOCS=1 dotnet test --filter CliReferenceTests");
        Assert.True(File.ReadAllText(DocPath) == generated,
            "docs/cli.md is stale: regenerate it with UPDATE_CLI_DOCS=1 dotnet test --filter CliReferenceTests");
    }

    [Fact]
    public void The_reference_covers_every_command_and_option()
    {
        string doc = Generated();
        var root = EmulatorCli.CreateRoot(CliContext.ForStrings(new StringWriter(), new StringWriter()));

        foreach (var (path, command) in Walk(root, "emulator"))
        {
            Assert.Contains("## " + path + "\n", doc); // a section per command
            foreach (var option in command.Options.Where(o => !o.Hidden))
            {
                Assert.Contains("`" + option.Name, doc.Replace(", ", "`", StringComparison.Ordinal)); // every option documented
            }
        }
        Assert.Contains("| 130 | interrupted", doc);
    }

    private static IEnumerable<(string, System.CommandLine.Command)> Walk(System.CommandLine.Command c, string path)
    {
        yield return (path, c);
        foreach (var sub in c.Subcommands)
        {
            foreach (var x in Walk(sub, path + " " + sub.Name))
            {
                yield return x;
            }
        }
    }
}
