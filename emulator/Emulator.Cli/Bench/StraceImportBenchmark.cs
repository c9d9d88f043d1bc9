using System.Globalization;
using System.Text;
using Emulator.Core.Trace.Strace;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>strace-import</c>: <c>emulator trace import-strace</c> throughput, in log lines per second,
/// on a synthetic log built in memory (not timed): eight processes forked from one, interleaving
/// mmap (anonymous and file-backed), mprotect, madvise, mremap, munmap, brk, unknown syscalls and
/// <c>&lt;unfinished ...&gt;</c>/<c>resumed</c> pairs across pids. Parse, join and conversion are
/// timed; writing the text is not.
/// </summary>
internal sealed class StraceImportBenchmark : Benchmark
{
    private const int Children = 8;

    public override string Name => "strace-import";
    public override string Unit => "ops/s"; // one op = one log line
    public override double Target => 5e5;
    public override string Description => "strace log to v1 trace statements (log lines/s)";

    public override BenchResult Run(bool quick)
    {
        string log = Log(quick ? 2_000 : 10_000, out int lines);
        int statements = 0;
        double rate = BestRate(() =>
        {
            var result = StraceImporter.Import(log);
            if (!result.Success)
            {
                throw new InvalidOperationException("the synthetic log did not import: " + result.Errors[0]);
            }
            statements = result.Statements.Count;
            Consume(result);
        }, lines, quick);
        return Result(rate, $"{lines} lines to {statements} statements per import");
    }

    /// <summary>The synthetic log: <paramref name="rounds"/> rounds of 10 lines per child, plus set-up.</summary>
    internal static string Log(int rounds, out int lines)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        const int root = 1000;
        sb.Append(inv, $"{root}  execve(\"./bench\", [\"./bench\"], 0x7ffff0200f98 /* 47 vars */) = 0\n");
        sb.Append(inv, $"{root}  brk(NULL)                         = 0x557d68803000\n");
        for (int c = 1; c <= Children; c++)
        {
            sb.Append(inv, $"{root}  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f29d3a21a10) = {root + c}\n");
            sb.Append(inv, $"{root + c}  brk(NULL) = 0x557d68803000\n");
        }
        lines = 2 + 2 * Children;
        for (int r = 0; r < rounds; r++)
        {
            for (int c = 1; c <= Children; c++)
            {
                int pid = root + c;
                int other = root + (c % Children) + 1;
                ulong a = 0x7f0000000000UL + ((ulong)c << 32) + ((ulong)(r % 64) << 20);
                ulong b = a + 0x10000;
                ulong moved = a + 0x80000;
                ulong brk = 0x557d68803000UL + ((ulong)(r % 8 + 1) << 16);
                sb.Append(inv, $"{pid}  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x{a:x}\n");
                sb.Append(inv, $"{pid}  mprotect(0x{a:x}, 4096, PROT_READ) = 0\n");
                sb.Append(inv, $"{pid}  mmap(NULL, 37663, PROT_READ, MAP_PRIVATE, 3, 0 <unfinished ...>\n");
                sb.Append(inv, $"{other}  read(3, \"\\177ELF\\2\\1\\1\\0\\0\\0\\0\\0\\0\\0\\0\\0\\3\\0>\\0\\1\\0\\0\\0\"..., 832) = 832\n");
                sb.Append(inv, $"{pid}  <... mmap resumed>)            = 0x{b:x}\n");
                sb.Append(inv, $"{pid}  madvise(0x{a:x}, 4096, MADV_DONTNEED) = 0\n");
                sb.Append(inv, $"{pid}  mremap(0x{b:x}, 40960, 81920, MREMAP_MAYMOVE) = 0x{moved:x}\n");
                sb.Append(inv, $"{pid}  munmap(0x{moved:x}, 81920)        = 0\n");
                sb.Append(inv, $"{pid}  munmap(0x{a:x}, 8192)             = 0\n");
                sb.Append(inv, $"{pid}  brk(0x{brk:x})               = 0x{brk:x}\n");
                lines += 10;
            }
        }
        for (int c = 1; c <= Children; c++)
        {
            sb.Append(inv, $"{root + c}  exit_group(0)                     = ?\n");
            sb.Append(inv, $"{root + c}  +++ exited with 0 +++\n");
            sb.Append(inv, $"{root}  --- SIGCHLD {{si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid={root + c}, si_uid=0, si_status=0}} ---\n");
            sb.Append(inv, $"{root}  wait4(-1, [{{WIFEXITED(s) && WEXITSTATUS(s) == 0}}], 0, NULL) = {root + c}\n");
            lines += 4;
        }
        return sb.ToString();
    }
}
