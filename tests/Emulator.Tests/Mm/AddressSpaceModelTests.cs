using System.Text;
using Emulator.Core;
using Emulator.Core.Mm;
using Emulator.Tests.Support;
using static Emulator.Tests.Mm.MmKit;

namespace Emulator.Tests.Mm;

/// <summary>
/// Random sequences of mmap, munmap, mprotect, madvise, mremap, loads and stores on a 64-page window,
/// checked after every step against a page-by-page model: what each load returns or faults on, which
/// errno each call gives, that the VMAs are exactly the maximal runs of equally protected pages, and
/// that unmapping the window at the end gives back every frame and page table.
/// </summary>
public class AddressSpaceModelTests
{
    private const int Pages = 64;
    private const int Steps = 250;

    /// <summary>Straddles a 1 GiB boundary, so the window spans two page directories and two PTs.</summary>
    private const ulong Base = 0x4000_0000 - 32 * P;

    private static readonly Protection[] Prots = [Protection.None, Protection.Read, Protection.ReadWrite];

    private struct PageState
    {
        public bool Mapped;
        public Protection Prot;
        public byte Value;
    }

    public static TheoryData<int> Seeds => [.. Enumerable.Range(1, 16)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Random_operations_match_a_page_model(int seed)
    {
        var run = new ModelRun(seed);
        run.Execute();
    }

    private sealed class ModelRun(int seed)
    {
        private readonly Random _rng = new(seed);
        private readonly PageState[] _model = new PageState[Pages];
        private readonly List<string> _history = [];
        private Machine _machine = null!;
        private AddressSpace _mm = null!;

        public void Execute()
        {
            (_machine, _mm) = TestMachines.NewProcess();
            int step = 0;
            try
            {
                for (; step < Steps; step++)
                {
                    Step();
                    CheckVmas();
                    CheckContents();
                }
                _history.Add($"munmap window");
                Expect(Errno.Ok, _mm.Munmap(Base, Pages * P));
                Check(_machine.Frames.AllocatedFrames == 1, $"{_machine.Frames.AllocatedFrames - 1} frames leaked (only the root should remain)");
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

        private static ulong Va(int page) => Base + (ulong)page * P;

        private static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException(what);
            }
        }

        private static void Expect(Errno expected, Errno actual) => Check(expected == actual, $"expected {expected}, got {actual}");

        private (int Start, int End) VmaAround(int page)
        {
            int s = page, e = page + 1;
            while (s > 0 && _model[s - 1].Mapped && _model[s - 1].Prot == _model[page].Prot)
            {
                s--;
            }
            while (e < Pages && _model[e].Mapped && _model[e].Prot == _model[page].Prot)
            {
                e++;
            }
            return (s, e);
        }

        private bool AllMapped(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                if (!_model[i].Mapped)
                {
                    return false;
                }
            }
            return true;
        }

        private void Unmap(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                _model[i] = default;
            }
        }

        private int MappedPage()
        {
            int first = _rng.Next(Pages);
            for (int i = 0; i < Pages; i++)
            {
                int p = (first + i) % Pages;
                if (_model[p].Mapped)
                {
                    return p;
                }
            }
            return -1;
        }

        private void Step()
        {
            int op = _rng.Next(100);
            int a = _rng.Next(Pages);
            int n = 1 + _rng.Next(Math.Min(8, Pages - a));
            switch (op)
            {
                case < 20:
                {
                    var prot = Prots[_rng.Next(Prots.Length)];
                    _history.Add($"mmap fixed [{a}, {a + n}) {prot}");
                    Expect(Errno.Ok, _mm.Mmap(Va(a), (ulong)n * P, prot, PrivateAnon | MapFlags.Fixed, out _));
                    for (int i = a; i < a + n; i++)
                    {
                        _model[i] = new PageState { Mapped = true, Prot = prot };
                    }
                    break;
                }
                case < 30:
                    _history.Add($"munmap [{a}, {a + n})");
                    Expect(Errno.Ok, _mm.Munmap(Va(a), (ulong)n * P));
                    Unmap(a, a + n);
                    break;
                case < 42:
                {
                    var prot = Prots[_rng.Next(Prots.Length)];
                    if (!_model[a].Mapped)
                    {
                        _history.Add($"mprotect [{a}, {a + n}) {prot} from a hole");
                        Expect(Errno.ENOMEM, _mm.Mprotect(Va(a), (ulong)n * P, prot));
                        break;
                    }
                    int end = a;
                    while (end < a + n && _model[end].Mapped)
                    {
                        end++;
                    }
                    _history.Add($"mprotect [{a}, {end}) {prot}");
                    Expect(Errno.Ok, _mm.Mprotect(Va(a), (ulong)(end - a) * P, prot));
                    for (int i = a; i < end; i++)
                    {
                        _model[i].Prot = prot;
                    }
                    break;
                }
                case < 50:
                    _history.Add($"madvise dontneed [{a}, {a + n})");
                    Expect(AllMapped(a, a + n) ? Errno.Ok : Errno.ENOMEM, _mm.Madvise(Va(a), (ulong)n * P, Advice.DontNeed));
                    for (int i = a; i < a + n; i++)
                    {
                        _model[i].Value = 0;
                    }
                    break;
                case < 72:
                {
                    byte v = (byte)_rng.Next(1, 256);
                    bool ok = _model[a].Mapped && (_model[a].Prot & Protection.Write) != 0;
                    _history.Add($"store {v:x2} to page {a}");
                    Expect(ok ? Errno.Ok : Errno.EFAULT, TryPoke(_mm, Va(a) + (ulong)v, v, out _));
                    if (ok)
                    {
                        _model[a].Value = v;
                    }
                    break;
                }
                case < 84:
                    Move();
                    break;
                default:
                    Resize();
                    break;
            }
        }

        /// <summary>mremap(MAYMOVE|FIXED) of part of one VMA to a random target in the window.</summary>
        private void Move()
        {
            int p = MappedPage();
            if (p < 0)
            {
                return;
            }
            var (vs, ve) = VmaAround(p);
            int a = vs + _rng.Next(ve - vs);
            int n = 1 + _rng.Next(ve - a);
            int m = 1 + _rng.Next(n + 2);
            int t = _rng.Next(Pages - m + 1);
            var flags = MremapFlags.MayMove | MremapFlags.Fixed;
            if (t < a + n && a < t + m)
            {
                _history.Add($"mremap [{a}, {a + n}) -> [{t}, {t + m}) overlapping");
                Expect(Errno.EINVAL, _mm.Mremap(Va(a), (ulong)n * P, (ulong)m * P, flags, Va(t), out _));
                return;
            }
            _history.Add($"mremap [{a}, {a + n}) -> [{t}, {t + m})");
            Expect(Errno.Ok, _mm.Mremap(Va(a), (ulong)n * P, (ulong)m * P, flags, Va(t), out ulong result));
            Check(result == Va(t), $"moved to {result:x}, not {Va(t):x}");
            var moved = _model[a..(a + n)];
            var prot = moved[0].Prot;
            Unmap(a, a + n);
            for (int i = 0; i < m; i++)
            {
                _model[t + i] = i < n ? moved[i] : new PageState { Mapped = true, Prot = prot };
            }
        }

        /// <summary>mremap without flags: shrink, or grow in place when the VMA ends there and the space after is free.</summary>
        private void Resize()
        {
            int p = MappedPage();
            if (p < 0)
            {
                return;
            }
            var (vs, ve) = VmaAround(p);
            int a = vs + _rng.Next(ve - vs);
            int n = 1 + _rng.Next(ve - a);
            int m = 1 + _rng.Next(Math.Min(n + 4, Pages - a));
            _history.Add($"mremap [{a}, {a + n}) to {m} pages in place");
            var r = _mm.Mremap(Va(a), (ulong)n * P, (ulong)m * P, MremapFlags.None, 0, out ulong result);
            if (m <= n)
            {
                Expect(Errno.Ok, r);
                Unmap(a + m, a + n);
            }
            else if (a + n == ve && !_model[(a + n)..(a + m)].Any(s => s.Mapped))
            {
                Expect(Errno.Ok, r);
                for (int i = a + n; i < a + m; i++)
                {
                    _model[i] = new PageState { Mapped = true, Prot = _model[a].Prot };
                }
            }
            else
            {
                Expect(Errno.ENOMEM, r);
                return;
            }
            Check(result == Va(a), $"resized in place to {result:x}, not {Va(a):x}");
        }

        private void CheckVmas()
        {
            var expected = new List<(ulong, ulong, Protection, bool)>();
            for (int i = 0; i < Pages;)
            {
                if (!_model[i].Mapped)
                {
                    i++;
                    continue;
                }
                var (s, e) = VmaAround(i);
                expected.Add((Va(s), Va(e), _model[i].Prot, false));
                i = e;
            }
            var actual = VmaList(_mm);
            Check(expected.SequenceEqual(actual),
                $"VMAs {string.Join(" ", actual.Select(v => $"[{(v.Start - Base) / P},{(v.End - Base) / P}){v.Prot}"))}, " +
                $"model {string.Join(" ", expected.Select(v => $"[{(v.Item1 - Base) / P},{(v.Item2 - Base) / P}){v.Item3}"))}");
        }

        private void CheckContents()
        {
            var b = new byte[1];
            for (int i = 0; i < Pages; i++)
            {
                var s = _model[i];
                bool readable = s.Mapped && s.Prot != Protection.None;
                // The model's value lives at offset == value (see the store), or reads 0 everywhere.
                ulong at = Va(i) + s.Value;
                var r = _mm.ReadUser(at, b, out ulong fault);
                if (readable)
                {
                    Check(r == Errno.Ok && b[0] == s.Value, $"page {i}: read {r} {b[0]:x2}, model {s.Value:x2}");
                }
                else
                {
                    Check(r == Errno.EFAULT && fault == at, $"page {i}: read {r} at {fault:x}, model has no access");
                }
            }
        }
    }
}
