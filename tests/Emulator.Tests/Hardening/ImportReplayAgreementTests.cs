using System.Globalization;
using System.Text;
using Emulator.Core.Trace.Strace;
using Emulator.Fuzz;
using Emulator.Fuzz.Targets;

namespace Emulator.Tests.Hardening;

/// <summary>The importer ⇄ replay promise (docs/strace-import.md): every trace
/// <c>trace import-strace</c> writes parses back to its statements and replays with every expectation
/// met, for generated logs — plausible and hostile addresses, lengths, results, processes — and for
/// mutations of them; or the import fails with located errors.</summary>
public sealed class ImportReplayAgreementTests
{
    private const int Seed = 20_260_610;

    [Fact]
    public void Every_generated_log_imports_to_a_trace_that_replays_cleanly()
    {
        var rng = new Random(Seed);
        int imported = 0;
        for (int i = 0; i < 120; i++)
        {
            string log = StraceLogGenerator.Generate(rng, 40);
            var options = new StraceImportOptions(i % 2 == 0 ? "gpu" : null, i % 2 == 0 ? 2 : 0, (ulong)i);
            StraceImportResult result = StraceImporter.Import(log, options);
            // Generated lines are well formed: the import succeeds…
            Assert.True(result.Success, $"seed {Seed} log {i}: {string.Join("; ", result.Errors)}\n{log}");
            // …and what it wrote parses and replays with no unmet expectation.
            try
            {
                StraceTarget.ImportedTraceReplays(result);
            }
            catch (FuzzFindingException e)
            {
                Assert.Fail($"seed {Seed} log {i}: {e.Message}\nlog:\n{log}");
            }
            imported++;
        }
        Assert.Equal(120, imported);
    }

    [Fact]
    public void Every_mutated_log_imports_cleanly_or_fails_located()
    {
        var rng = new Random(Seed + 1);
        var seeds = Enumerable.Range(0, 8).Select(_ => Encoding.UTF8.GetBytes(StraceLogGenerator.Generate(rng, 30))).ToList();
        var target = new StraceTarget();
        var mutator = new Mutator(rng, target.Dictionary);
        int accepted = 0;
        for (int i = 0; i < 1500; i++)
        {
            byte[] input = mutator.Mutate(seeds[rng.Next(seeds.Count)], seeds[rng.Next(seeds.Count)], true, 8192);
            // The target checks: located, inert errors; or a trace that parses and replays cleanly.
            string? failure = FuzzRunner.RunOne(target, input, out string signature);
            Assert.True(failure is null, $"seed {Seed + 1} case {i}: {failure}");
            accepted += signature.StartsWith("I:", StringComparison.Ordinal) ? 1 : 0;
        }
        // Both outcomes were exercised.
        Assert.InRange(accepted, 100, 1400);
    }

    [Fact]
    public void A_chain_of_thousands_of_early_clone_children_imports_without_overflowing_the_stack()
    {
        // Each child's line comes before the clone that made it, and its parent is such a child too:
        // resolving the first line walks 50,000 clones up (recursion overflowed the stack).
        var log = new StringBuilder();
        const int depth = 50_000;
        log.Append(CultureInfo.InvariantCulture, $"{1000 + depth} brk(NULL) = 0x1000000\n");
        for (int i = depth; i > 0; i--)
        {
            log.Append(CultureInfo.InvariantCulture, $"{1000 + i - 1} clone(child_stack=NULL, flags=SIGCHLD) = {1000 + i}\n");
        }
        StraceImportResult result = StraceImporter.Import(log.ToString());
        Assert.True(result.Success);
        // One process per pid: every clone was applied once.
        Assert.Equal(depth + 1, result.Processes);
    }
}

/// <summary>Random strace logs of the calls the importer models, as strace -f writes them: mostly
/// plausible (addresses near each other, results that match), with hostile values mixed in.</summary>
internal static class StraceLogGenerator
{
    private static readonly ulong[] Edges = [0, 1, 4095, 4096, 0x10000, 0x7ffffffff000, 0x800000000000, 1UL << 56, ulong.MaxValue - 4095, ulong.MaxValue];
    private static readonly string[] Prots = ["PROT_READ", "PROT_READ|PROT_WRITE", "PROT_NONE", "PROT_READ|PROT_EXEC", "PROT_READ|PROT_WRITE|PROT_EXEC"];
    private static readonly string[] Errors = ["-1 ENOMEM (Cannot allocate memory)", "-1 EINVAL (Invalid argument)", "-1 EEXIST (File exists)", "-1 EPERM (Operation not permitted)"];

    public static string Generate(Random rng, int lines)
    {
        var sb = new StringBuilder();
        var pids = new List<int> { 100 };
        var mapped = new List<ulong> { 0x7f0000000000 };
        ulong brk = 0x555555559000;
        int nextPid = 101;
        for (int n = 0; n < lines; n++)
        {
            int pid = pids[rng.Next(pids.Count)];
            ulong addr = rng.Next(8) == 0 ? Edges[rng.Next(Edges.Length)] : mapped[rng.Next(mapped.Count)] + (ulong)rng.Next(-4, 16) * 4096;
            ulong length = rng.Next(8) == 0 ? Edges[rng.Next(Edges.Length)] : (ulong)rng.Next(1, 64) * (rng.Next(4) == 0 ? 1000UL : 4096UL);
            string prot = Prots[rng.Next(Prots.Length)];
            bool fail = rng.Next(6) == 0;
            string result = fail ? Errors[rng.Next(Errors.Length)] : "0";
            string line;
            switch (rng.Next(11))
            {
                case 0:
                case 1:
                {
                    ulong at = rng.Next(3) == 0 ? addr : 0x7f0000000000 + (ulong)rng.Next(1 << 16) * 4096;
                    string flags = rng.Next(4) == 0 ? "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS" : rng.Next(3) == 0 ? "MAP_SHARED|MAP_ANONYMOUS" : "MAP_PRIVATE|MAP_ANONYMOUS";
                    string hint = flags.Contains("FIXED", StringComparison.Ordinal) ? Hex(at) : rng.Next(2) == 0 ? "NULL" : Hex(addr);
                    line = $"mmap({hint}, {length}, {prot}, {flags}, -1, 0) = {(fail ? Errors[rng.Next(Errors.Length)] : Hex(at))}";
                    if (!fail)
                    {
                        mapped.Add(at);
                    }
                    break;
                }
                case 2:
                    line = $"munmap({Hex(addr)}, {length}) = {result}";
                    break;
                case 3:
                    line = $"mprotect({Hex(addr)}, {length}, {prot}) = {result}";
                    break;
                case 4:
                    line = $"madvise({Hex(addr)}, {length}, {(rng.Next(3) == 0 ? "MADV_FREE" : "MADV_DONTNEED")}) = {result}";
                    break;
                case 5:
                {
                    ulong to = 0x7f0000000000 + (ulong)rng.Next(1 << 16) * 4096;
                    line = $"mremap({Hex(addr)}, {length}, {length * 2}, MREMAP_MAYMOVE) = {(fail ? Errors[0] : Hex(rng.Next(2) == 0 ? addr : to))}";
                    break;
                }
                case 6:
                    line = "brk(NULL) = " + Hex(rng.Next(10) == 0 ? Edges[rng.Next(Edges.Length)] : brk);
                    break;
                case 7:
                {
                    ulong target = rng.Next(10) == 0 ? Edges[rng.Next(Edges.Length)] : brk + (ulong)rng.Next(-8, 32) * 4096;
                    line = $"brk({Hex(target)}) = {Hex(rng.Next(5) == 0 ? brk : target)}";
                    brk = rng.Next(5) == 0 ? brk : target;
                    break;
                }
                case 8 when pids.Count < 4:
                {
                    int child = nextPid++;
                    string flags = rng.Next(3) switch
                    {
                        0 => "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID",
                        1 => "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD",
                        _ => "CLONE_VM|CLONE_VFORK|SIGCHLD",
                    };
                    line = $"clone(child_stack=NULL, flags={flags}, child_tidptr=0x7f00) = {child}";
                    pids.Add(child);
                    break;
                }
                case 9 when rng.Next(4) == 0:
                    line = "execve(\"/bin/x\", [\"x\"], 0x7ffc /* 3 vars */) = 0";
                    break;
                case 10 when pids.Count > 1:
                    sb.Append(CultureInfo.InvariantCulture, $"{pid} exit_group(0) = ?\n{pid} +++ exited with 0 +++\n");
                    pids.Remove(pid);
                    continue;
                default:
                    line = $"munmap({Hex(addr)}, {length}) = {result}";
                    break;
            }
            if (rng.Next(10) == 0)
            {
                // Split across an interruption, as strace -f writes a call another task cut into.
                int open = line.IndexOf('(', StringComparison.Ordinal);
                int cut = line.LastIndexOf(", ", StringComparison.Ordinal);
                if (cut > open)
                {
                    string name = line[..open];
                    sb.Append(CultureInfo.InvariantCulture, $"{pid} {line[..cut]} <unfinished ...>\n");
                    sb.Append(CultureInfo.InvariantCulture, $"{pid} <... {name} resumed>{line[cut..]}\n");
                    continue;
                }
            }
            sb.Append(CultureInfo.InvariantCulture, $"{pid} {line}\n");
        }
        return sb.ToString();
    }

    private static string Hex(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);
}
