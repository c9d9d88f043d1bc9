using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;

namespace Emulator.Tests.Mm;

/// <summary>The harness of the model-based test: one command sequence on a fresh machine, checked after every step.</summary>
public partial class AddressSpacePropertyTests
{
    /// <summary>A failed comparison between the mm and its model.</summary>
    private sealed class Divergence(string message) : Exception(message);

    /// <summary>One process (the parent or a forked child) with its model and its shootdown observer.</summary>
    private sealed class Proc
    {
        public required string Name;
        public required AddressSpace Mm;
        public required AddressSpaceModel Model;
        public required HookOps Ops;
        public bool Exited;

        /// <summary>Present leaves (va → entry and frame lifetime) just before the current command.</summary>
        public readonly Dictionary<ulong, (Pte Entry, uint Gen)> Mapped = [];

        /// <summary>Vas of <see cref="Mapped"/> that a secondary-TLB invalidation covered after their entry had lost what it granted.</summary>
        public readonly HashSet<ulong> InvalidatedAfterChange = [];

        /// <summary>Of those, the vas whose frame was still live at that invalidation.</summary>
        public readonly HashSet<ulong> InvalidatedAfterChangeLive = [];

        /// <summary>Page tables just before the current command.</summary>
        public readonly List<TableFrame> Tables = [];

        /// <summary>Frames of <see cref="Tables"/> that a secondary-TLB invalidation reached after they were unlinked and while still live.</summary>
        public readonly HashSet<ulong> TablesInvalidated = [];

        /// <summary>Notifier ranges that were empty or unaligned (a subscriber would mis-handle them).</summary>
        public readonly List<string> BadRanges = [];

        /// <summary>Release ran during the current command: the subscriber has stopped using the mm.</summary>
        public bool ReleasedLive;
    }

    /// <summary>A page table: its frame lifetime, the level of the entry pointing at it (2 for a
    /// table of PTEs) and the addresses it maps.</summary>
    private readonly record struct TableFrame(ulong Pfn, uint Gen, int Level, ulong SpanStart, ulong SpanEnd);

    /// <summary>One sequence on a fresh machine.</summary>
    private sealed class Run
    {
        private readonly Machine _machine = new(new MachineOptions { RamSize = 8UL << 20 });
        private readonly AddressSpaceModel.SharedObjects _objects = new();
        private readonly Dictionary<SharedMemoryObject, int> _objectIds = new(ReferenceEqualityComparer.Instance);
        private readonly List<Proc> _procs = [];
        private readonly List<Proc> _children = [];
        private string _step = "set-up";

        private FrameAllocator Frames => _machine.Frames;

        public void Execute(Cmd[] cmds)
        {
            var parent = NewProc("parent", Create(), new AddressSpaceModel(Layout, _objects));
            for (int i = 0; i < cmds.Length; i++)
            {
                _step = $"step {i} {cmds[i]}";
                Snapshot();
                Apply(parent, cmds[i]);
                CheckShootdowns();
                foreach (var p in _procs)
                {
                    if (!p.Exited)
                    {
                        CheckAgainstModel(p);
                    }
                }
            }
            _step = "final read-back";
            foreach (var p in _procs)
            {
                if (!p.Exited)
                {
                    ReadBackEverything(p);
                }
            }
            _step = "exit";
            Snapshot();
            foreach (var p in _procs)
            {
                Exit(p);
            }
            CheckShootdowns();
            Expect(Frames.AllocatedFrames == 0, $"{Frames.AllocatedFrames} frames still allocated after every mm exited (leak)");
        }

        private AddressSpace Create()
        {
            Assert.True(AddressSpace.TryCreate(Frames, Layout, out var mm));
            return mm!;
        }

        private Proc NewProc(string name, AddressSpace mm, AddressSpaceModel model)
        {
            var proc = new Proc { Name = name, Mm = mm, Model = model, Ops = new HookOps() };
            // The observer of "a frame is freed only after the secondary TLB invalidation covering it":
            // it notes which mapped frames were still live when an invalidation (or Release) reached them.
            proc.Ops.OnSecondary = (_, start, end) =>
            {
                CheckRange(proc, "secondary", start, end);
                MarkInvalidated(proc, start, end);
            };
            proc.Ops.OnStart = (_, range) =>
            {
                CheckRange(proc, $"start {range.Event}", range.Start, range.End);
                return Errno.Ok;
            };
            proc.Ops.OnRelease = _ => proc.ReleasedLive = AllLive(proc);
            Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Register(new MmuNotifier(proc.Ops), mm));
            _procs.Add(proc);
            return proc;
        }

        /// <summary>Runs inside ArchInvalidateSecondaryTlbs (mmap lock held, so LeafEntry re-enters it):
        /// notes which translations and tables the device is being told about, in what state.</summary>
        private void MarkInvalidated(Proc proc, ulong start, ulong end)
        {
            foreach (var (va, (entry, gen)) in proc.Mapped)
            {
                if (va >= start && va < end && Revokes(entry, proc.Mm.LeafEntry(va)))
                {
                    proc.InvalidatedAfterChange.Add(va);
                    if (Frames.IsLive(entry.Pfn, gen))
                    {
                        proc.InvalidatedAfterChangeLive.Add(va);
                    }
                }
            }
            foreach (var t in proc.Tables)
            {
                if (t.SpanStart < end && start < t.SpanEnd && Frames.IsLive(t.Pfn, t.Gen) && !Reachable(proc.Mm, t))
                {
                    proc.TablesInvalidated.Add(t.Pfn);
                }
            }
        }

        private static void CheckRange(Proc proc, string what, ulong start, ulong end)
        {
            if (start >= end || !Page.IsAligned(start) || !Page.IsAligned(end))
            {
                proc.BadRanges.Add($"{what} [{start:x}, {end:x})");
            }
        }

        private bool AllLive(Proc proc)
        {
            foreach (var (_, (entry, gen)) in proc.Mapped)
            {
                if (!Frames.IsLive(entry.Pfn, gen))
                {
                    return false;
                }
            }
            foreach (var t in proc.Tables)
            {
                if (!Frames.IsLive(t.Pfn, t.Gen))
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Every table below the root (x86-64 4-level, as the mm builds them: no large pages).</summary>
        private void CollectTables(ulong tablePa, int level, ulong tableBase, List<TableFrame> into)
        {
            ulong span = 1UL << (Page.Shift + 9 * (level - 1));
            for (int i = 0; i < 512; i++)
            {
                var e = new Pte(_machine.Memory.ReadU64(tablePa + (ulong)i * 8));
                if (!e.Present)
                {
                    continue;
                }
                ulong b = tableBase + (ulong)i * span;
                into.Add(new TableFrame(e.Pfn, Frames.Generation(e.Pfn), level, b, b + span));
                if (level > 2)
                {
                    CollectTables(e.Address, level - 1, b, into);
                }
            }
        }

        /// <summary>True when a walk from the root still reaches the table (it has not been unlinked).</summary>
        private bool Reachable(AddressSpace mm, TableFrame t)
        {
            ulong table = mm.RootPa;
            for (int level = mm.Mode.Levels(); table != 0; level--)
            {
                var e = new Pte(_machine.Memory.ReadU64(table + ((t.SpanStart >> (Page.Shift + 9 * (level - 1))) & 511) * 8));
                if (!e.Present)
                {
                    return false;
                }
                if (level == t.Level)
                {
                    return e.Pfn == t.Pfn;
                }
                table = e.Address;
            }
            return false;
        }

        /// <summary>True when <paramref name="now"/> no longer grants something <paramref name="before"/>
        /// (a present translation) granted: the page, its frame, write or execute permission. A device
        /// that cached <paramref name="before"/> must be told.</summary>
        private static bool Revokes(Pte before, Pte now) =>
            !now.Present || now.Pfn != before.Pfn || (before.Writable && !now.Writable) || (!before.NoExecute && now.NoExecute);

        private void Exit(Proc p)
        {
            if (!p.Exited)
            {
                p.Mm.Exit();
                p.Exited = true;
                Expect(p.Ops.Releases == 1, $"{p.Name}: Release ran {p.Ops.Releases} times at exit");
            }
        }

        private void Expect(bool ok, string what)
        {
            if (!ok)
            {
                throw new Divergence($"{_step}: {what}");
            }
        }

        private IEnumerable<ulong> PagesToInspect(Proc p)
        {
            var pages = new SortedSet<ulong>(p.Model.PagesEverMapped);
            for (ulong va = Base; va < WindowEnd; va += Page.Size)
            {
                pages.Add(va);
            }
            return pages;
        }

        private void Snapshot()
        {
            foreach (var p in _procs)
            {
                p.Mapped.Clear();
                p.InvalidatedAfterChange.Clear();
                p.InvalidatedAfterChangeLive.Clear();
                p.Tables.Clear();
                p.TablesInvalidated.Clear();
                p.ReleasedLive = false;
                p.BadRanges.Clear();
                if (p.Exited)
                {
                    continue;
                }
                foreach (ulong va in PagesToInspect(p))
                {
                    var e = p.Mm.LeafEntry(va);
                    if (e.Present)
                    {
                        p.Mapped[va] = (e, Frames.Generation(e.Pfn));
                    }
                }
                CollectTables(p.Mm.RootPa, p.Mm.Mode.Levels(), 0, p.Tables);
            }
        }

        /// <summary>
        /// The shootdown order as a device sees it. A translation it may have cached (a present leaf) is
        /// revoked — unmapped, moved to another frame, write or execute taken away — only with a
        /// secondary-TLB invalidation that runs after the entry changed; its frame is freed only after
        /// such an invalidation; and a page table is freed only after it was unlinked and an
        /// invalidation reached an address it mapped (a walk cache may hold it). Release at exit, with
        /// everything still live, stands for all of them: the subscriber has stopped using the mm.
        /// </summary>
        private void CheckShootdowns()
        {
            foreach (var p in _procs)
            {
                Expect(p.BadRanges.Count == 0, $"{p.Name}: notifier ranges empty or unaligned: {string.Join(", ", p.BadRanges)}");
                if (p.ReleasedLive)
                {
                    continue;
                }
                foreach (var (va, (entry, gen)) in p.Mapped)
                {
                    var now = p.Exited ? Pte.None : p.Mm.LeafEntry(va);
                    Expect(!Revokes(entry, now) || p.InvalidatedAfterChange.Contains(va),
                        $"{p.Name}: {va:x} went from {entry} to {now} without a secondary-TLB invalidation after the change");
                    Expect(Frames.IsLive(entry.Pfn, gen) || p.InvalidatedAfterChangeLive.Contains(va),
                        $"{p.Name}: frame {entry.Pfn:x} mapped at {va:x} was freed (generation {gen} -> {Frames.Generation(entry.Pfn)}) " +
                        "before a secondary-TLB invalidation covering that address");
                }
                foreach (var t in p.Tables)
                {
                    Expect(Frames.IsLive(t.Pfn, t.Gen) || p.TablesInvalidated.Contains(t.Pfn),
                        $"{p.Name}: page table {t.Pfn:x} (level {t.Level - 1}, mapping {t.SpanStart:x}-{t.SpanEnd:x}) was freed " +
                        "without a secondary-TLB invalidation reaching it after it was unlinked");
                }
            }
        }

        // ---- applying one command to both sides ----

        private void Apply(Proc parent, Cmd cmd)
        {
            var mm = parent.Mm;
            var model = parent.Model;
            switch (cmd)
            {
                case MmapCmd c:
                {
                    var flags = MapFlags.Anonymous | (c.Shared ? MapFlags.Shared : MapFlags.Private) | (c.Populate ? MapFlags.Populate : 0) |
                        c.At switch { Placement.Fixed => MapFlags.Fixed, Placement.FixedNoReplace => MapFlags.FixedNoReplace, _ => MapFlags.None };
                    ulong addr = c.At == Placement.Anywhere ? 0 : PageVa(c.Page);
                    ulong length = (ulong)c.Pages * Page.Size + (ulong)c.OddBytes;
                    var real = mm.Mmap(addr, length, c.Prot, flags, out ulong mapped);
                    var expected = model.Mmap(addr, length, c.Prot, flags, out ulong expectedVa, out int obj);
                    Expect(real == expected && mapped == expectedVa, $"mmap returned {real} at {mapped:x}, model {expected} at {expectedVa:x}");
                    if (obj != 0)
                    {
                        var shared = mm.FindVma(mapped)?.Shared;
                        Expect(shared is not null && _objectIds.TryAdd(shared, obj), "MAP_SHARED did not create a new shared object");
                    }
                    break;
                }
                case MunmapCmd c:
                    Same("munmap", mm.Munmap(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages)),
                        model.Munmap(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages)));
                    break;
                case MprotectCmd c:
                    Same("mprotect", mm.Mprotect(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages), c.Prot),
                        model.Mprotect(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages), c.Prot));
                    break;
                case MadviseCmd c:
                    Same("madvise", mm.Madvise(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages), Advice.DontNeed),
                        model.MadviseDontNeed(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages)));
                    break;
                case MremapCmd c:
                {
                    var real = mm.Mremap(PageVa(c.Page), Bytes(c.OldPages), Bytes(c.NewPages), c.Flags, PageVa(c.NewPage), out ulong r);
                    var expected = model.Mremap(PageVa(c.Page), Bytes(c.OldPages), Bytes(c.NewPages), c.Flags, PageVa(c.NewPage), out ulong er);
                    Expect(real == expected && r == er, $"mremap returned {real} at {r:x}, model {expected} at {er:x}");
                    break;
                }
                case BrkCmd c:
                {
                    ulong target = (ulong)((long)Layout.BrkStart + c.Pages * (long)Page.Size + c.OddBytes);
                    ulong real = mm.Brk(target), expected = model.BrkTo(target);
                    Expect(real == expected, $"brk returned {real:x}, model {expected:x}");
                    break;
                }
                case WriteCmd c:
                    Write(parent, c.Offset, c.Length, c.Fill);
                    break;
                case ReadCmd c:
                    Read(parent, Base + (ulong)c.Offset, c.Length);
                    break;
                case ForkWriteCmd c:
                {
                    if (_children.Count == MaxChildren)
                    {
                        Exit(_children[0]);
                        _children.RemoveAt(0);
                    }
                    Expect(mm.Fork(out var childMm) == Errno.Ok, "fork failed");
                    var child = NewProc($"child{_procs.Count}", childMm!, model.Fork());
                    _children.Add(child);
                    Write(child, c.Offset, c.Length, c.Fill);
                    break;
                }
                case ChildWriteCmd c when _children.Count > 0:
                    Write(_children[c.Child % _children.Count], c.Offset, c.Length, c.Fill);
                    break;
                case ExitChildCmd c when _children.Count > 0:
                    Exit(_children[c.Child % _children.Count]);
                    _children.RemoveAt(c.Child % _children.Count);
                    break;
                case ReadAllCmd:
                    foreach (var p in _procs)
                    {
                        if (!p.Exited)
                        {
                            ReadBackEverything(p);
                        }
                    }
                    break;
                case MigrateCmd c:
                    Same("migrate", mm.Migrate(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages), out _, out _),
                        model.Migrate(PageVa(c.Page) + Skew(c.Misaligned), Bytes(c.Pages)));
                    break;
            }
        }

        private static ulong PageVa(int page) => Base + (ulong)page * Page.Size;

        private static ulong Bytes(int pages) => (ulong)pages * Page.Size;

        private static ulong Skew(bool misaligned) => misaligned ? 0x800UL : 0;

        private void Same(string call, Errno real, Errno expected) =>
            Expect(real == expected, $"{call} returned {real}, model {expected}");

        private void Write(Proc p, int offset, int length, byte fill)
        {
            var data = new byte[length];
            for (int i = 0; i < length; i++)
            {
                data[i] = (byte)(fill + i);
            }
            ulong va = Base + (ulong)offset;
            var real = p.Mm.WriteUser(va, data, out ulong fault);
            var expected = p.Model.Write(va, data, out ulong expectedFault);
            Expect(real == expected && fault == expectedFault,
                $"{p.Name}: write {va:x}+{length} returned {real} at {fault:x}, model {expected} at {expectedFault:x}");
        }

        private void Read(Proc p, ulong va, int length)
        {
            var real = new byte[length];
            var expected = new byte[length];
            var err = p.Mm.ReadUser(va, real, out ulong fault);
            var expectedErr = p.Model.Read(va, expected, out ulong expectedFault);
            Expect(err == expectedErr && fault == expectedFault,
                $"{p.Name}: read {va:x}+{length} returned {err} at {fault:x}, model {expectedErr} at {expectedFault:x}");
            int valid = err == Errno.Ok ? length : (int)(fault - va);
            int at = real.AsSpan(0, valid).CommonPrefixLength(expected.AsSpan(0, valid));
            Expect(at == valid, $"{p.Name}: read {va:x}+{length}: byte at {va + (ulong)at:x} is {(at < valid ? real[at] : 0):x2}, model {(at < valid ? expected[at] : 0):x2}");
        }

        private void ReadBackEverything(Proc p)
        {
            foreach (ulong va in PagesToInspect(p))
            {
                Read(p, va, Page.Size);
            }
        }

        // ---- what must agree after every command ----

        private void CheckAgainstModel(Proc p)
        {
            var real = p.Mm.Vmas();
            var expected = p.Model.Vmas;
            bool same = real.Count == expected.Count;
            for (int i = 0; same && i < real.Count; i++)
            {
                var r = real[i];
                int obj = r.Shared is null ? 0 : _objectIds.GetValueOrDefault(r.Shared, -1);
                same = new AddressSpaceModel.ModelVma(r.Start, r.End, r.Prot, obj, r.PgOff) == expected[i];
            }
            Expect(same, $"{p.Name}: VMAs [{string.Join(", ", real.Select(v => $"{v} pgoff={v.PgOff}"))}], model [{string.Join(", ", expected)}]");

            foreach (ulong va in PagesToInspect(p))
            {
                CheckPage(p, va);
            }
            Expect(p.Mm.CurrentBrk == p.Model.Brk, $"{p.Name}: brk {p.Mm.CurrentBrk:x}, model {p.Model.Brk:x}");
        }

        /// <summary>Looks at the leaf entry without touching it (no fault, no A/D): its permissions must
        /// be what the VMA allows, and the frame it maps must hold the model's bytes.</summary>
        private void CheckPage(Proc p, ulong va)
        {
            var e = p.Mm.LeafEntry(va);
            var vma = p.Model.VmaAt(va);
            if (vma is not { } v)
            {
                Expect(e.Raw == 0, $"{p.Name}: {va:x} has no VMA but its leaf entry is {e}");
                return;
            }
            var bytes = p.Model.PageBytes(va, out _);
            if (e.Present || e.IsProtNone)
            {
                Expect(Frames.RefCount(e.Pfn) > 0, $"{p.Name}: {va:x} maps free frame {e.Pfn:x}");
                Expect(!e.Present || v.Prot != Protection.None, $"{p.Name}: {va:x} is PROT_NONE but present: {e}");
                Expect(!e.Present || e.User, $"{p.Name}: {va:x} is not a user page: {e}");
                Expect(!e.Writable || (v.Prot & Protection.Write) != 0, $"{p.Name}: {va:x} is writable in a {v.Prot} VMA: {e}");
                Expect(!e.Writable || v.Object != 0 || Frames.RefCount(e.Pfn) == 1,
                    $"{p.Name}: private {va:x} is writable but its frame {e.Pfn:x} has {Frames.RefCount(e.Pfn)} users (copy-on-write broken)");
                Expect(!e.Present || e.NoExecute == ((v.Prot & Protection.Exec) == 0), $"{p.Name}: {va:x} NX does not match {v.Prot}: {e}");
                var frame = _machine.Memory.Frame(e.Pfn);
                int at = frame.CommonPrefixLength(bytes);
                Expect(at == Page.Size, $"{p.Name}: {va:x}+{at:x} holds {(at < Page.Size ? frame[at] : 0):x2}, model {(at < Page.Size ? bytes[at] : 0):x2}");
            }
            else if (v.Object == 0)
            {
                // Private data lives only in a frame mapped here: an unmapped private page must read zeros.
                Expect(bytes.IndexOfAnyExcept((byte)0) < 0, $"{p.Name}: private {va:x} has data in the model but no frame: {e}");
            }
        }
    }
}
