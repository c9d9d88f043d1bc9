using System.Text;
using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>
/// Random forks, exits, stores, mprotect, DONTNEED and migration over a family of processes that
/// share a private region (copy-on-write) and a MAP_SHARED region. After every step: each process
/// reads its own private values and the common shared values, and every mapped frame's reference
/// count is exactly the number of PTEs mapping it (plus one for the shared object). When the last
/// process exits, every frame is free.
/// </summary>
public class ForkModelTests
{
    private const int PrivatePages = 12;
    private const int SharedPages = 4;
    private const int Steps = 200;
    private const int MaxProcesses = 4;
    private const ulong PrivateVa = 0x4000_0000 - 4 * P; // straddles a 1 GiB boundary
    private const ulong SharedVa = 0x5000_0000;

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 12)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_forks_keep_processes_isolated_and_reference_counts_exact(int seed) => new Run(seed).Execute();

    private sealed class Process(AddressSpace mm, byte[] values, bool[] readOnly)
    {
        public AddressSpace Mm { get; } = mm;
        public byte[] Values { get; } = values;
        public bool[] ReadOnly { get; } = readOnly;
        public int Id => Mm.Id;
    }

    private sealed class Run(int seed)
    {
        private readonly Random _rng = new(seed);
        private readonly List<Process> _procs = [];
        private readonly byte[] _shared = new byte[SharedPages];
        private readonly List<string> _history = [];
        private Machine _machine = null!;

        private static ulong PrivatePage(int i) => PrivateVa + (ulong)i * P;
        private static ulong SharedPage(int i) => SharedVa + (ulong)i * P;

        private static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException(what);
            }
        }

        public void Execute()
        {
            int step = 0;
            try
            {
                (_machine, var first) = TestMachines.NewProcess();
                MapAt(first, PrivateVa, PrivatePages);
                MapAt(first, SharedVa, SharedPages, shared: true);
                _procs.Add(new Process(first, new byte[PrivatePages], new bool[PrivatePages]));
                for (; step < Steps; step++)
                {
                    Step();
                    CheckContents();
                    CheckReferenceCounts();
                }
                foreach (var p in _procs)
                {
                    p.Mm.Exit();
                }
                Check(_machine.Frames.AllocatedFrames == 0, $"{_machine.Frames.AllocatedFrames} frames leaked after every process exited");
            }
            catch (Exception e)
            {
                var sb = new StringBuilder();
                sb.AppendLine($"seed {seed}, step {step}: {e.GetType().Name}: {e.Message}");
                sb.AppendLine("last operations:");
                foreach (var h in _history.TakeLast(12))
                {
                    sb.AppendLine("  " + h);
                }
                throw new Xunit.Sdk.XunitException(sb.ToString(), e);
            }
        }

        private void Step()
        {
            var p = _procs[_rng.Next(_procs.Count)];
            int page = _rng.Next(PrivatePages);
            int op = _rng.Next(100);
            switch (op)
            {
                case < 30:
                {
                    byte v = (byte)_rng.Next(1, 256);
                    _history.Add($"mm{p.Id}: store {v:x2} to private page {page}");
                    var r = TryPoke(p.Mm, PrivatePage(page), v, out _);
                    Check(r == (p.ReadOnly[page] ? Errno.EFAULT : Errno.Ok), $"store gave {r}");
                    if (r == Errno.Ok)
                    {
                        p.Values[page] = v;
                    }
                    break;
                }
                case < 42:
                {
                    byte v = (byte)_rng.Next(1, 256);
                    int s = _rng.Next(SharedPages);
                    _history.Add($"mm{p.Id}: store {v:x2} to shared page {s}");
                    Check(TryPoke(p.Mm, SharedPage(s), v, out _) == Errno.Ok, "shared store failed");
                    _shared[s] = v;
                    break;
                }
                case < 52:
                {
                    bool ro = !p.ReadOnly[page];
                    _history.Add($"mm{p.Id}: mprotect private page {page} {(ro ? "r" : "rw")}");
                    Check(p.Mm.Mprotect(PrivatePage(page), P, ro ? Protection.Read : Protection.ReadWrite) == Errno.Ok, "mprotect failed");
                    p.ReadOnly[page] = ro;
                    break;
                }
                case < 62:
                {
                    bool shared = _rng.Next(3) == 0;
                    int s = _rng.Next(SharedPages);
                    _history.Add($"mm{p.Id}: madvise dontneed {(shared ? $"shared page {s}" : $"private page {page}")}");
                    Check(p.Mm.Madvise(shared ? SharedPage(s) : PrivatePage(page), P, Advice.DontNeed) == Errno.Ok, "madvise failed");
                    if (!shared)
                    {
                        p.Values[page] = 0; // private memory reads zeros again; shared keeps its data
                    }
                    break;
                }
                case < 74:
                {
                    if (_procs.Count == MaxProcesses)
                    {
                        break;
                    }
                    Check(p.Mm.Fork(out var child) == Errno.Ok, "fork failed");
                    _history.Add($"mm{p.Id}: fork -> mm{child!.Id}");
                    _procs.Add(new Process(child, (byte[])p.Values.Clone(), (bool[])p.ReadOnly.Clone()));
                    break;
                }
                case < 82:
                {
                    if (_procs.Count == 1)
                    {
                        break;
                    }
                    _history.Add($"mm{p.Id}: exit");
                    p.Mm.Exit();
                    _procs.Remove(p);
                    break;
                }
                default:
                {
                    int n = 1 + _rng.Next(PrivatePages - page);
                    _history.Add($"mm{p.Id}: migrate private pages [{page}, {page + n})");
                    Check(p.Mm.Migrate(PrivatePage(page), (ulong)n * P, out int migrated, out int skipped) == Errno.Ok, "migrate failed");
                    Check(migrated + skipped <= n, $"migrated {migrated} + skipped {skipped} > {n} pages");
                    break;
                }
            }
        }

        private void CheckContents()
        {
            foreach (var p in _procs)
            {
                for (int i = 0; i < PrivatePages; i++)
                {
                    byte got = Peek(p.Mm, PrivatePage(i));
                    Check(got == p.Values[i], $"mm{p.Id} private page {i}: read {got:x2}, model {p.Values[i]:x2}");
                }
                for (int i = 0; i < SharedPages; i++)
                {
                    byte got = Peek(p.Mm, SharedPage(i));
                    Check(got == _shared[i], $"mm{p.Id} shared page {i}: read {got:x2}, model {_shared[i]:x2}");
                }
            }
        }

        private void CheckReferenceCounts()
        {
            var mappers = new Dictionary<ulong, int>();
            var sharedFrames = new HashSet<ulong>();
            foreach (var p in _procs)
            {
                for (int i = 0; i < PrivatePages + SharedPages; i++)
                {
                    bool shared = i >= PrivatePages;
                    var e = p.Mm.LeafEntry(shared ? SharedPage(i - PrivatePages) : PrivatePage(i));
                    if (!e.Present && !e.IsProtNone)
                    {
                        continue;
                    }
                    mappers[e.Pfn] = mappers.GetValueOrDefault(e.Pfn) + 1;
                    if (shared)
                    {
                        sharedFrames.Add(e.Pfn);
                    }
                    else
                    {
                        // A writable private PTE must be its frame's only mapping, or a store leaks into another process.
                        Check(!e.Writable || _machine.Frames.RefCount(e.Pfn) == 1, $"mm{p.Id} private page {i} writable on a frame with {_machine.Frames.RefCount(e.Pfn)} references");
                    }
                }
            }
            foreach (var (pfn, n) in mappers)
            {
                int expected = n + (sharedFrames.Contains(pfn) ? 1 : 0);
                Check(_machine.Frames.RefCount(pfn) == expected, $"frame {pfn:x}: reference count {_machine.Frames.RefCount(pfn)}, {expected} expected");
            }
        }
    }
}
