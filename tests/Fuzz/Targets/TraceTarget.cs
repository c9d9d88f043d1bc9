using System.Text;
using Emulator.Core.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;

namespace Emulator.Fuzz.Targets;

/// <summary>The trace parser and, for what it accepts, the replay engine: no input may throw, no
/// replay may end in an emulator exception ("got exception", the replayer's catch of a bug), and every
/// error is positioned and inert.</summary>
public sealed class TraceTarget : IFuzzTarget
{
    /// <summary>Bytes a replayed trace may move (read, write, DMA) in all: keeps a case in milliseconds.</summary>
    private const ulong MaxBytesMoved = 1 << 20;

    private static readonly InputLimits Limits = InputLimits.Default(InputKind.Trace) with { MaxLineBytes = 4096 };

    public TraceTarget()
    {
        var seeds = new List<byte[]>(FuzzCorpus.RepoFiles("traces", "*.trace"));
        foreach (string s in BuiltIn)
        {
            seeds.Add(Encoding.UTF8.GetBytes(s));
        }
        Seeds = seeds;
    }

    private static readonly string[] BuiltIn =
    [
        "trace 1\nmachine ram=64M paging=5 atc-entries=32 iotlb-entries=256 cmdq-entries=256 inject=skip-tlbi\nprocess p\ndevice d sid=1 ats pri pasid-bits=8\nbind d p\n"
            + "mmap p 0x10000 16K rw\nwrite p 0x10000 16K seq32:7\ndma d p read 0x10000 16K => seq32:7\nexpect atc d p 0x10000 present\n"
            + "mprotect p 0x10000 4K r\nmunmap p 0x11000 4K\nmremap p 0x12000 8K 16K to=0x40000\nmigrate p 0x10000 4K\nmadvise p 0x10000 4K dontneed\n"
            + "brk p 0x800000 => any\nfork p c\nread c 0x10000 4K => zero\nexit c\nexpect count stale == 0\nunbind d p\n",
        "trace 1\nprocess p\nmmap p 0x1000 4K rw shared\nwrite p 0x1000 4 hex:01020304\nread p 0x1000 4 => hex:01020304\ndma x p read 0 0\n",
        "trace 1\nprocess p\ndevice d sid=0x10 ats\nbind d p\nmmap p 0x7000 8K rw\ndma d p write 0x7000 8K byte:0xcc\nread p 0x7000 8K => byte:0xcc\nexpect count dma-faults >= 0\n",
    ];

    public string Name => "trace";

    public IReadOnlyList<byte[]> Seeds { get; }

    public IReadOnlyList<byte[]> Dictionary { get; } = Tokens(
        "trace 1", "machine", "process", "device", "sid=", "ats", "pri", "pasid-bits=", "bind", "unbind", "mmap", "munmap", "mprotect",
        "madvise", "mremap", "brk", "fork", "exit", "write", "read", "dma", "expect atc", "expect count", "=>", "error ENOMEM", "fault",
        "any", "ok", "zero", "seq32:", "byte:", "hex:", "rand:", "to=", "shared", "dontneed", "present", "absent", "stale", "ram=",
        "paging=", "atc-entries=", "iotlb-entries=", "cmdq-entries=", "inject=skip-atc-inv", "inject=skip-sync-wait", "rwx", "none",
        "0xffffffffffff", "0x7ffffffff000", "4K", "2M", "1G", "#", " ", "\t", "==", ">=", "<=");

    public bool IsText => true;

    public int MaxInputLength => 8192;

    public string Run(byte[] input)
    {
        ParseResult parsed = TraceParser.Parse("fuzz.trace", new MemoryStream(input), Limits);
        foreach (TraceError e in parsed.Errors)
        {
            FuzzChecks.Diagnostic(e.Line, e.Column, e.ToString());
        }
        if (!parsed.Success)
        {
            return "E:" + FuzzChecks.Kind(parsed.Errors[0].Message);
        }
        ulong moved = 0;
        foreach (Statement s in parsed.Statements)
        {
            moved += s switch
            {
                WriteStatement w => w.Size,
                ReadStatement r => r.Size,
                DmaStatement d => d.Size,
                _ => 0,
            };
        }
        if (moved > MaxBytesMoved || parsed.Statements.Count > 400)
        {
            return "big";
        }
        ReplayResult result = TraceReplayer.Run("fuzz.trace", parsed);
        foreach (ReplayFailure f in result.Failures)
        {
            if (f.Message.Contains("got exception", StringComparison.Ordinal))
            {
                throw new FuzzFindingException("the replay hit an emulator exception: " + f);
            }
            FuzzChecks.Inert(f.ToString());
        }
        return result.Passed ? "R:ok" : "R:" + FuzzChecks.Kind(result.Failures[0].Message);
    }

    internal static byte[][] Tokens(params string[] tokens) => [.. tokens.Select(Encoding.UTF8.GetBytes)];
}
