using System.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Core.Threading;

namespace Emulator.Core.Mm;

/// <summary>
/// A process address space: the emulated kernel's <c>mm_struct</c>. It owns the VMAs and the x86-64
/// page tables the CPU (and, through SVA, the SMMU) walk, and it announces every change of those
/// tables through its <see cref="Notifiers"/>.
/// </summary>
/// <remarks>
/// <para><b>Errors</b> are values: every operation returns an <see cref="Errno"/> as Linux would.</para>
/// <para><b>Shootdown order</b>, the property devices rely on. Every operation that removes or
/// downgrades a translation does, with the mmap lock held:
/// <c>InvalidateRangeStart</c> → change the entries (collecting the frames it unmaps) → flush the
/// CPU TLBs of every vCPU running this mm → <c>ArchInvalidateSecondaryTlbs</c> (IOTLB/ATC, waited
/// on) → <c>InvalidateRangeEnd</c> → only then drop the frame references, so a frame is never freed
/// (and its generation never advances) while any TLB may still translate to it.</para>
/// <para><b>Locking</b>: <see cref="MmapLock"/> serialises every operation on this mm, including page
/// faults from CPUs and devices. Hardware walkers (CPU, SMMU) read the tables without it, using
/// atomic 64-bit accesses, and set Accessed/Dirty with compare-and-exchange; the mm therefore
/// changes live entries with exchange or compare-and-exchange only.</para>
/// </remarks>
public sealed partial class AddressSpace : IMmuNotifierMm
{
    private static int s_nextId;

    private readonly FrameAllocator _frames;
    private readonly PhysicalMemory _memory;
    private readonly AddressSpaceOptions _options;
    private readonly int _levels;

    /// <summary>The VMAs, sorted by start, non-overlapping. Guarded by <see cref="MmapLock"/>.</summary>
    private readonly List<Vma> _vmas = [];

    /// <summary>vCPU MMUs currently running this mm (mm_cpumask), shot down on every downgrade.
    /// Guarded by <see cref="MmapLock"/>.</summary>
    private readonly List<Mmu> _cpus = [];

    /// <summary>Frames unmapped by the current operation, freed after the secondary-TLB invalidation.
    /// Guarded by <see cref="MmapLock"/>.</summary>
    private ulong[] _gather = new ulong[256];
    private int _gatherCount;

    private ulong _rootPfn;
    private ulong _brk;
    private bool _live = true;

    /// <summary>Creates an empty address space with its top-level table allocated.</summary>
    /// <returns>false (ENOMEM) when no frame is left for the top-level table.</returns>
    public static bool TryCreate(FrameAllocator frames, AddressSpaceOptions options, out AddressSpace? mm)
    {
        if (!frames.TryAllocate(out ulong root))
        {
            mm = null;
            return false;
        }
        mm = new AddressSpace(frames, options, root);
        return true;
    }

    private AddressSpace(FrameAllocator frames, AddressSpaceOptions options, ulong rootPfn)
    {
        _frames = frames;
        _memory = frames.Memory;
        _options = options;
        _levels = options.Mode.Levels();
        _rootPfn = rootPfn;
        _brk = options.BrkStart;
        Id = Interlocked.Increment(ref s_nextId);
        MmapLock = new OrderedLock(LockRank.MmapLock, $"mm{Id}.mmap_lock");
        Notifiers = new MmuNotifierSubscriptions(this);
    }

    /// <summary>A small number naming this mm in logs and traces.</summary>
    public int Id { get; }

    /// <inheritdoc/>
    public MmuNotifierSubscriptions Notifiers { get; }

    /// <summary>Serialises every operation on this mm, page faults included. Ranked
    /// <see cref="LockRank.MmapLock"/>: a notifier callback runs with it held.</summary>
    public OrderedLock MmapLock { get; }

    /// <inheritdoc/>
    public bool IsLive => Volatile.Read(ref _live);

    public AddressSpaceOptions Options => _options;
    public PagingMode Mode => _options.Mode;
    public FrameAllocator Frames => _frames;

    /// <summary>Physical address of the top-level table (CR3 bits 51:12; the SMMU's CD TTB0 for SVA).
    /// Zero once the mm has exited.</summary>
    public ulong RootPa => Volatile.Read(ref _rootPfn) << Page.Shift;

    /// <summary>Counters of what this mm did.</summary>
    public MmStats Stats { get; } = new();

    /// <summary>Current program break.</summary>
    public ulong CurrentBrk
    {
        get
        {
            using (MmapLock.Enter())
            {
                return _brk;
            }
        }
    }

    /// <summary>A snapshot of the VMAs, in address order.</summary>
    public IReadOnlyList<Vma> Vmas()
    {
        using (MmapLock.Enter())
        {
            var copy = new List<Vma>(_vmas.Count);
            foreach (var v in _vmas)
            {
                copy.Add(v.CloneRange(v.Start, v.End));
            }
            return copy;
        }
    }

    /// <summary>The VMA containing <paramref name="va"/> (a snapshot), or null.</summary>
    public Vma? FindVma(ulong va)
    {
        using (MmapLock.Enter())
        {
            int i = FindIndex(va);
            return i < _vmas.Count && _vmas[i].Start <= va ? _vmas[i].CloneRange(_vmas[i].Start, _vmas[i].End) : null;
        }
    }

    /// <summary>Registers a vCPU's MMU as running this mm, so TLB shootdowns reach it.</summary>
    public void AttachCpu(Mmu mmu)
    {
        using (MmapLock.Enter())
        {
            if (!_cpus.Contains(mmu))
            {
                _cpus.Add(mmu);
            }
        }
    }

    /// <summary>The vCPU no longer runs this mm.</summary>
    public void DetachCpu(Mmu mmu)
    {
        using (MmapLock.Enter())
        {
            _cpus.Remove(mmu);
        }
    }

    public override string ToString() => $"mm{Id}";

    // ---- VMA list ------------------------------------------------------------------------------

    /// <summary>Index of the first VMA whose end is above <paramref name="va"/> (may not contain it).</summary>
    private int FindIndex(ulong va)
    {
        int lo = 0, hi = _vmas.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_vmas[mid].End <= va)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    private Vma? VmaAt(ulong va)
    {
        int i = FindIndex(va);
        return i < _vmas.Count && _vmas[i].Start <= va ? _vmas[i] : null;
    }

    private bool RangeIsFree(ulong start, ulong end)
    {
        int i = FindIndex(start);
        return i >= _vmas.Count || _vmas[i].Start >= end;
    }

    /// <summary>True when [start, end) is covered by VMAs without holes.</summary>
    private bool RangeIsMapped(ulong start, ulong end)
    {
        ulong va = start;
        for (int i = FindIndex(start); i < _vmas.Count && va < end; i++)
        {
            if (_vmas[i].Start > va)
            {
                return false;
            }
            va = _vmas[i].End;
        }
        return va >= end;
    }

    /// <summary>Splits the VMA containing <paramref name="va"/> so that a VMA starts there.</summary>
    private void SplitAt(ulong va)
    {
        int i = FindIndex(va);
        if (i >= _vmas.Count)
        {
            return;
        }
        var v = _vmas[i];
        if (v.Start >= va)
        {
            return;
        }
        var tail = v.CloneRange(va, v.End);
        v.End = va;
        tail.Shared?.AddMapper();
        _vmas.Insert(i + 1, tail);
    }

    private static bool CanMerge(Vma a, Vma b) =>
        a.End == b.Start && a.Prot == b.Prot && a.Shared == b.Shared &&
        (a.Shared is null || a.PageOffsetOf(a.End - 1) + 1 == b.PgOff);

    /// <summary>Merges the VMAs in [start, end] with compatible neighbours.</summary>
    private void MergeAround(ulong start, ulong end)
    {
        int i = Math.Max(FindIndex(start) - 1, 0);
        while (i + 1 < _vmas.Count && _vmas[i].Start <= end)
        {
            var a = _vmas[i];
            var b = _vmas[i + 1];
            if (CanMerge(a, b))
            {
                a.End = b.End;
                b.Shared?.RemoveMapper();
                _vmas.RemoveAt(i + 1);
            }
            else
            {
                i++;
            }
        }
    }

    private void InsertVma(Vma vma)
    {
        int i = FindIndex(vma.Start);
        Debug.Assert(i >= _vmas.Count || _vmas[i].Start >= vma.End, "overlapping VMA inserted");
        _vmas.Insert(i, vma);
    }

    /// <summary>Finds a free, page-aligned range of <paramref name="length"/> bytes: top-down below
    /// MmapBase, then bottom-up above it (Linux's fallback). 0 when the space is exhausted.</summary>
    private ulong FindFreeArea(ulong length)
    {
        ulong min = _options.MmapMin;
        ulong hi = Math.Min(_options.MmapBase, _options.UserEnd);
        for (int i = _vmas.Count - 1; i >= -1; i--)
        {
            ulong lo = i >= 0 ? Math.Max(_vmas[i].End, min) : min;
            if (i >= 0 && _vmas[i].Start >= hi)
            {
                continue;
            }
            if (hi > lo && hi - lo >= length)
            {
                return hi - length;
            }
            if (i >= 0)
            {
                hi = Math.Min(hi, _vmas[i].Start);
            }
        }
        ulong va = Math.Max(_options.MmapBase, min);
        for (int i = FindIndex(va); ; i++)
        {
            ulong next = i < _vmas.Count ? _vmas[i].Start : _options.UserEnd;
            if (next > va && next - va >= length && va + length <= _options.UserEnd)
            {
                return va;
            }
            if (i >= _vmas.Count)
            {
                return 0;
            }
            va = Math.Max(va, _vmas[i].End);
        }
    }

    private bool InUserRange(ulong start, ulong length) =>
        start >= _options.MmapMin && length <= _options.UserEnd && start <= _options.UserEnd - length;
}
