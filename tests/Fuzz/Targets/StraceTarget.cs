using Emulator.Core.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Emulator.Core.Trace.Strace;

namespace Emulator.Fuzz.Targets;

/// <summary>The strace importer, and the promise between it and the replay: every trace it writes
/// parses and replays cleanly (docs/strace-import.md), or the import fails with located errors.</summary>
public sealed class StraceTarget : IFuzzTarget
{
    private static readonly InputLimits Limits = InputLimits.Default(InputKind.StraceLog) with { MaxLineBytes = 4096 };

    private readonly StraceImportOptions _options;

    /// <param name="dmaProbes">DMA probes per memory call (0 without a device).</param>
    public StraceTarget(int dmaProbes = 2)
    {
        _options = dmaProbes > 0 ? new StraceImportOptions("gpu", dmaProbes, 1) : new StraceImportOptions();
        var seeds = new List<byte[]>(FuzzCorpus.RepoFiles("tests/Emulator.Tests/Trace/Strace/Data", "*.strace", 1 << 13));
        seeds.AddRange(TraceTarget.Tokens(BuiltIn));
        Seeds = seeds;
    }

    private static readonly string[] BuiltIn =
    [
        "100 execve(\"/bin/true\", [\"true\"], 0x7ffc /* 3 vars */) = 0\n100 brk(NULL) = 0x555555559000\n100 brk(0x55555557a000) = 0x55555557a000\n"
            + "100 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n"
            + "100 mprotect(0x7f0000000000, 4096, PROT_READ) = 0\n100 munmap(0x7f0000001000, 4096) = 0\n"
            + "100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f00) = 101\n"
            + "101 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000100000\n101 exit_group(0) = ?\n101 +++ exited with 0 +++\n"
            + "100 mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000200000\n100 madvise(0x7f0000200000, 4096, MADV_DONTNEED) = 0\n"
            + "100 munmap(0x7f0000200000, 8192) = -1 EINVAL (Invalid argument)\n100 exit_group(0) = ?\n100 +++ exited with 0 +++\n",
        "[pid 200] mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n"
            + "[pid 201] brk(NULL) = 0x600000\n[pid 200] <... mmap resumed>) = 0x7f1000000000\n200 vfork() = 202\n202 execve(\"/x\", [], []) = 0\n",
    ];

    public string Name => "strace";

    public IReadOnlyList<byte[]> Seeds { get; }

    public IReadOnlyList<byte[]> Dictionary { get; } = TraceTarget.Tokens(
        "mmap(", "munmap(", "mprotect(", "mremap(", "madvise(", "brk(", "clone(", "clone3(", "fork()", "vfork()", "execve(", "exit_group(",
        "exit(", "+++ exited with 0 +++", "--- SIGSEGV {si_signo=SIGSEGV} ---", "<unfinished ...>", "<... mmap resumed>", "[pid 101] ",
        "NULL", "PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_NONE", "MAP_PRIVATE", "MAP_SHARED", "MAP_ANONYMOUS", "MAP_FIXED",
        "MAP_FIXED_NOREPLACE", "MAP_GROWSDOWN", "MREMAP_MAYMOVE", "MREMAP_FIXED", "MREMAP_DONTUNMAP", "MADV_DONTNEED", "MADV_FREE",
        "CLONE_VM", "CLONE_THREAD", "CLONE_VFORK", "SIGCHLD", " = ", " = -1 ENOMEM (Cannot allocate memory)", " = ?", "0x7ffffffff000",
        "0xffffffffffffffff", "18446744073709551615", "|", ", ", ")");

    public bool IsText => true;

    public int MaxInputLength => 8192;

    public string Run(byte[] input)
    {
        StraceImportResult result = StraceImporter.Import(new MemoryStream(input), _options, Limits);
        foreach (StraceError e in result.Errors)
        {
            FuzzChecks.Diagnostic(e.Line, e.Column, e.ToString());
        }
        if (!result.Success)
        {
            return "E:" + FuzzChecks.Kind(result.Errors[0].Message);
        }
        ReplayResult replay = ImportedTraceReplays(result);
        return replay.StatementsRun < 3 ? "I:small" : "I:" + string.Join(",", result.Approximations.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>The importer ⇄ replay promise: what the importer writes parses back to the same
    /// statements and replays with every expectation met.</summary>
    /// <exception cref="FuzzFindingException">It does not.</exception>
    public static ReplayResult ImportedTraceReplays(StraceImportResult result)
    {
        string text = TraceWriter.Write(result.Statements);
        ParseResult parsed = TraceParser.Parse("imported.trace", text);
        if (!parsed.Success)
        {
            throw new FuzzFindingException($"the importer wrote a trace its parser rejects: {parsed.Errors[0]}\n{Excerpt(text)}");
        }
        if (parsed.Statements.Count != result.Statements.Count)
        {
            throw new FuzzFindingException($"the imported trace parses to {parsed.Statements.Count} statements, not {result.Statements.Count}");
        }
        ReplayResult replay = TraceReplayer.Run("imported.trace", parsed);
        if (!replay.Passed)
        {
            throw new FuzzFindingException($"the importer wrote a trace its replay rejects: {replay.Failures[0]}\n{Excerpt(text)}");
        }
        return replay;
    }

    private static string Excerpt(string text) => text.Length <= 4000 ? text : text[..4000] + "…";
}
