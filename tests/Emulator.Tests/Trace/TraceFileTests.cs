using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Trace;

namespace Emulator.Tests.Trace;

/// <summary>Whole-file rules: header, machine placement, comments, blank lines, positions, and
/// that every error of a file is reported with its file:line:col.</summary>
public sealed class TraceFileTests
{
    private static string[] Errors(string text) =>
        TraceParser.Parse("x.trace", text).Errors.Select(e => e.ToString()).ToArray();

    [Fact]
    public void A_full_trace_parses_to_typed_statements_with_positions()
    {
        const string text =
            "# SVA life cycle\n" +
            "\n" +
            "trace 1   # version\n" +
            "machine ram=64M paging=5 atc-entries=32 iotlb-entries=0x100 cmdq-entries=256 inject=skip-tlbi inject=skip-sync-wait\n" +
            "process p\r\n" +
            "\tdevice gpu sid=0x10 ats pri pasid-bits=16\n" +
            "bind gpu p\n" +
            "  mmap p 0x1000 8K rw#no space before the comment\n" +
            "dma gpu p read 0x1000 8 => zero\n" +
            "expect count stale == 0\n";
        ParseResult r = TraceParser.Parse("x.trace", text);
        Assert.True(r.Success, string.Join("; ", r.Errors));
        Statement[] expected =
        [
            new TraceHeader(1) { Line = 3, Column = 1 },
            new MachineStatement(64UL << 20, 5, 32, 0x100, 256, FaultInjection.SkipTlbi | FaultInjection.SkipSyncWait) { Line = 4, Column = 1 },
            new ProcessStatement("p") { Line = 5, Column = 1 },
            new DeviceStatement("gpu", 0x10, true, true, 16) { Line = 6, Column = 2 },
            new BindStatement("gpu", "p") { Line = 7, Column = 1 },
            new MmapStatement("p", 0x1000, 0x2000, Protection.ReadWrite) { Line = 8, Column = 3 },
            new DmaStatement("gpu", "p", DmaDirection.Read, 0x1000, 8) { Line = 9, Column = 1, Result = ExpectedResult.Bytes(Pattern.Zero) },
            new ExpectCountStatement(TraceCounter.Stale, CountOp.Equal, 0) { Line = 10, Column = 1 },
        ];
        Assert.Equal(expected, r.Statements);
    }

    [Fact]
    public void Canonical_text_of_a_file_is_stable()
    {
        const string text = "trace 1\nmachine paging=4 inject=skip-atc-inv ram=1G\nprocess p\nfork p c\nexit c\n";
        ParseResult r = TraceParser.Parse("x.trace", text);
        Assert.True(r.Success, string.Join("; ", r.Errors));
        Assert.Equal("trace 1\nmachine ram=0x40000000 paging=4 inject=skip-atc-inv\nprocess p\nfork p c\nexit c\n",
            TraceWriter.Write(r.Statements));
    }

    [Theory]
    [InlineData("", "x.trace:1:1: missing 'trace 1' header")]
    [InlineData("# only a comment\n\n", "x.trace:1:1: missing 'trace 1' header")]
    [InlineData("trace 2\n", "x.trace:1:7: unsupported trace version 2 (this parser reads version 1)")]
    [InlineData("trace 0x10\n", "x.trace:1:7: unsupported trace version 16 (this parser reads version 1)")]
    [InlineData("trace\n", "x.trace:1:6: missing VERSION (usage: trace 1)")]
    [InlineData("trace one\n", "x.trace:1:7: invalid number 'one'")]
    [InlineData("trace 1 1\n", "x.trace:1:9: unexpected '1'")]
    [InlineData("  process p\ntrace 1\n", "x.trace:1:3: the first statement must be 'trace 1'|x.trace:2:1: 'trace' may only be the first statement")]
    [InlineData("trace 1\nmachine ram=1G\nmachine paging=4\n", "x.trace:3:1: duplicate 'machine' statement (first at line 2)")]
    [InlineData("trace 1\nprocess p\nmachine ram=1G\n", "x.trace:3:1: 'machine' must come before every statement but 'trace'")]
    [InlineData("trace 1\nmachine ram\n", "x.trace:2:9: expected KEY=VALUE, got 'ram'")]
    [InlineData("trace 1\nmachine =4\n", "x.trace:2:9: expected KEY=VALUE, got '=4'")]
    [InlineData("trace 1\nmachine cpus=4\n", "x.trace:2:9: unknown machine key 'cpus'; valid keys: ram, paging, atc-entries, iotlb-entries, cmdq-entries, inject")]
    [InlineData("trace 1\nmachine paging=3\n", "x.trace:2:9: paging must be 4 or 5, got 3")]
    [InlineData("trace 1\nmachine ram=1G ram=2G\n", "x.trace:2:16: duplicate machine key 'ram'")]
    [InlineData("trace 1\nmachine ram=1X\n", "x.trace:2:9: invalid size '1X'")]
    [InlineData("trace 1\nmachine atc-entries=1K\n", "x.trace:2:9: invalid number '1K'")]
    [InlineData("trace 1\nmachine inject=skip-atc\n", "x.trace:2:9: unknown fault-injection switch 'skip-atc'; valid names: skip-atc-inv, skip-tlbi, skip-cfgi, skip-sync-wait, complete-before-drain")]
    [InlineData("trace 1\nprocess p\nexit p q r\n", "x.trace:3:8: unexpected 'q'")]
    [InlineData("trace 1\n\tbind d p\n", "x.trace:2:7: unknown device 'd'")]
    [InlineData("trace 1\nprocess p # a comment\nprocess p#again\n", "x.trace:3:9: process 'p' already declared at line 2")]
    [InlineData("trace 1\nprocess é\n", "x.trace:2:9: invalid name 'é': names match [a-z][a-z0-9_]*")]
    public void File_errors_name_file_line_and_column(string text, string expected)
    {
        Assert.Equal(expected.Split('|'), Errors(text));
    }

    [Fact]
    public void Every_error_is_collected_not_just_the_first()
    {
        const string text = "trace 1\nprocess p\nmmap p 0x1000 4k rw\nread q 0 8\nwrite p 0 4 hex:00\nexpect count x == 1\n";
        Assert.Equal(
        [
            "x.trace:3:15: invalid size '4k'",
            "x.trace:4:6: unknown process 'q'",
            "x.trace:5:13: hex pattern has 1 bytes but SIZE is 4",
            "x.trace:6:14: unknown counter 'x'; valid names: atc-inv, tlbi, cfgi, sync, pri, dma-fault, cpu-fault, event, stale",
        ], Errors(text));
        // Nothing from a malformed file is replayed.
        Assert.Empty(TraceParser.Parse("x.trace", text).Statements);
    }

    [Fact]
    public void A_declaration_after_use_does_not_excuse_the_use()
    {
        Assert.Equal(["x.trace:2:6: unknown process 'p'"], Errors("trace 1\nexit p\nprocess p\nexit p\n"));
    }

    [Fact]
    public void Invalid_utf8_is_a_parse_error_with_its_position()
    {
        string path = Path.Combine(Path.GetTempPath(), $"trace-{Guid.NewGuid():N}.trace");
        try
        {
            File.WriteAllBytes(path, [.. "trace 1\nprocess "u8, 0xff, .. "\n"u8]);
            ParseResult r = TraceParser.ParseFile(path);
            Assert.Equal([$"{path}:2:9: invalid UTF-8"], r.Errors.Select(e => e.ToString()));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_file_with_a_bom_and_crlf_parses()
    {
        ParseResult r = TraceParser.Parse("x.trace", "\uFEFFtrace 1\r\nprocess p\r\n");
        Assert.True(r.Success, string.Join("; ", r.Errors));
        Assert.Equal(new ProcessStatement("p") { Line = 2, Column = 1 }, r.Statements[1]);
    }

    [Fact]
    public void Parse_from_a_text_reader_equals_parse_from_text()
    {
        const string text = "trace 1\nprocess p\nmmap p 0 4K r\n";
        Assert.Equal(TraceParser.Parse("x", text).Statements, TraceParser.Parse("x", new StringReader(text)).Statements);
    }
}
