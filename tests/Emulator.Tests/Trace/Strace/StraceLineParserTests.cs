using Emulator.Core.Trace.Strace;

namespace Emulator.Tests.Trace.Strace;

/// <summary>The table in Data/line-cases.txt: one strace line a case, named by its table line.</summary>
public sealed class StraceLineParserTests
{
    private const string Separator = " ==> ";

    internal static string DataDir => Path.Combine(CorpusTests.RepoRoot(), "tests", "Emulator.Tests", "Trace", "Strace", "Data");

    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        string[] lines = File.ReadAllLines(Path.Combine(DataDir, "line-cases.txt"));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#') || lines[i].Length == 0)
            {
                continue;
            }
            int sep = lines[i].LastIndexOf(Separator, StringComparison.Ordinal);
            Assert.True(sep >= 0, $"line-cases.txt:{i + 1}: no '{Separator.Trim()}'");
            data.Add(i + 1, lines[i][..sep], lines[i][(sep + Separator.Length)..]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Line_parses_to_its_record_or_its_error(int tableLine, string input, string expected)
    {
        bool ok = StraceLineParser.TryParseLine(input, out var parsed, out var error);

        string actual = ok ? Describe(input, parsed) : $"error {error.Index + 1}: {error.Message}";
        // The table line names the failing case; the message shows the whole record.
        Assert.True(expected == actual, $"line-cases.txt:{tableLine}: {input}\n  expected {expected}\n  actual   {actual}");
    }

    [Fact]
    public void The_table_covers_every_kind_of_line()
    {
        var cases = Cases();
        Assert.True(cases.Count() > 60);
        foreach (string kind in new[] { "call ", "unfinished ", "resumed ", "exited ", "ignored", "error " })
        {
            Assert.Contains(cases, c => ((string)c[2]).StartsWith(kind, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_joined_unfinished_and_resumed_pair_parses_as_one_call()
    {
        const string first = "7  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>";
        const string second = "7  <... mmap resumed>) = 0x7f0000000000";
        Assert.True(StraceLineParser.TryParseLine(first, out var a, out _));
        Assert.True(StraceLineParser.TryParseLine(second, out var b, out _));

        string joined = first[a.BodyStart..a.BodyEnd] + second[b.BodyStart..];
        Assert.True(StraceLineParser.TryParseCall(joined, a.Syscall, out var call, out var error), error.Message);

        // The two halves make the call the single-line form makes.
        Assert.True(StraceLineParser.TryParseLine("7  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000", out var whole, out _));
        Assert.Equal(whole.Call.ToString(), call.ToString());
    }

    private static string Describe(string input, in StraceLine l) => l.Kind switch
    {
        StraceLineKind.Ignored => "ignored",
        StraceLineKind.Exited => $"exited {l.Pid}",
        StraceLineKind.Unfinished => $"unfinished {l.Pid} {input.Substring(l.NameStart, l.NameLength)} [{input[l.BodyStart..l.BodyEnd]}]",
        StraceLineKind.Resumed => $"resumed {l.Pid} {input.Substring(l.NameStart, l.NameLength)}",
        _ => l.Syscall == StraceSyscall.Unknown ? $"call {l.Pid} unknown" : $"call {l.Pid} {l.Call}",
    };
}
