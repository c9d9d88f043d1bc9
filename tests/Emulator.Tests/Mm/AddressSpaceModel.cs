using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Tests.Mm;

/// <summary>
/// The reference model of one address space for <see cref="AddressSpacePropertyTests"/>: a sorted
/// list of VMAs kept in canonical (fully merged) form and a map of page → bytes, with the errno rules
/// of docs/mm.md written as plainly as possible. It knows nothing of page tables, frames or
/// residency: only what a program can observe (errno, addresses, bytes, the VMA list).
/// </summary>
/// <remarks>
/// Private memory is value-typed (fork copies it); shared memory lives in <see cref="SharedObjects"/>,
/// keyed by object and page offset, and is reached from every model that maps it. Where the real mm
/// picks an address (hint, top-down search, mremap move), the model computes it declaratively — "the
/// highest free range ending at or below MmapBase, else the lowest at or above it" — rather than
/// copying the search loop.
/// </remarks>
internal sealed class AddressSpaceModel
{
    internal readonly record struct ModelVma(ulong Start, ulong End, Protection Prot, int Object, ulong PgOff)
    {
        public ulong PageOffsetOf(ulong va) => PgOff + ((va - Start) >> Page.Shift);

        public override string ToString() => $"{Start:x}-{End:x} {Prot} {(Object == 0 ? "private" : $"obj{Object}+{PgOff}")}";
    }

    /// <summary>The pages of MAP_SHARED objects, shared by every model (parent and forked children).</summary>
    internal sealed class SharedObjects
    {
        private readonly Dictionary<int, Dictionary<ulong, byte[]>> _pages = [];
        private int _next;

        public int Create()
        {
            _pages[++_next] = [];
            return _next;
        }

        public Dictionary<ulong, byte[]> Pages(int obj) => _pages[obj];
    }

    private static readonly byte[] s_zeroPage = new byte[Page.Size];

    private readonly AddressSpaceOptions _options;
    private readonly SharedObjects _objects;
    private List<ModelVma> _vmas = [];
    private readonly Dictionary<ulong, byte[]> _private = [];

    public AddressSpaceModel(AddressSpaceOptions options, SharedObjects objects)
    {
        _options = options;
        _objects = objects;
        Brk = options.BrkStart;
    }

    public ulong Brk { get; private set; }

    public IReadOnlyList<ModelVma> Vmas => _vmas;

    /// <summary>Every page any VMA of this model ever covered (so stale entries left behind are looked at).</summary>
    public HashSet<ulong> PagesEverMapped { get; } = [];

    public ModelVma? VmaAt(ulong va)
    {
        foreach (var v in _vmas)
        {
            if (v.Start <= va && va < v.End)
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>The bytes a program reads at the page (zeros when never written), or null when no VMA covers it.</summary>
    public ReadOnlySpan<byte> PageBytes(ulong page, out bool mapped)
    {
        var v = VmaAt(page);
        mapped = v is not null;
        if (v is not { } vma)
        {
            return default;
        }
        var store = vma.Object == 0 ? _private : _objects.Pages(vma.Object);
        ulong key = vma.Object == 0 ? page : vma.PageOffsetOf(page);
        return store.TryGetValue(key, out var bytes) ? bytes : s_zeroPage;
    }

    public AddressSpaceModel Fork()
    {
        var child = new AddressSpaceModel(_options, _objects) { Brk = Brk, _vmas = [.. _vmas] };
        foreach (var (page, bytes) in _private)
        {
            child._private[page] = (byte[])bytes.Clone();
        }
        child.PagesEverMapped.UnionWith(PagesEverMapped);
        return child;
    }

    // ---- system calls ------------------------------------------------------------------------------

    public Errno Mmap(ulong addr, ulong length, Protection prot, MapFlags flags, out ulong mapped, out int newObject)
    {
        mapped = 0;
        newObject = 0;
        if (length == 0)
        {
            return Errno.EINVAL;
        }
        length = AlignUp(length);
        if ((flags & (MapFlags.Fixed | MapFlags.FixedNoReplace)) != 0)
        {
            if (!Page.IsAligned(addr))
            {
                return Errno.EINVAL;
            }
            if (addr < _options.MmapMin)
            {
                return Errno.EPERM;
            }
            if (!InUserRange(addr, length))
            {
                return Errno.ENOMEM;
            }
            if (!IsFree(addr, addr + length))
            {
                if ((flags & MapFlags.FixedNoReplace) != 0)
                {
                    return Errno.EEXIST;
                }
                Unmap(addr, addr + length);
            }
            mapped = addr;
        }
        else
        {
            ulong hint = Page.AlignDown(addr);
            mapped = hint != 0 && InUserRange(hint, length) && IsFree(hint, hint + length) ? hint : FindFreeArea(length);
            if (mapped == 0)
            {
                return Errno.ENOMEM;
            }
        }
        if ((flags & MapFlags.SharedValidate) == MapFlags.Shared)
        {
            newObject = _objects.Create();
        }
        Insert(new ModelVma(mapped, mapped + length, prot, newObject, 0));
        return Errno.Ok;
    }

    public Errno Munmap(ulong addr, ulong length)
    {
        if (!Page.IsAligned(addr) || length == 0)
        {
            return Errno.EINVAL;
        }
        Unmap(addr, addr + AlignUp(length));
        return Errno.Ok;
    }

    public Errno Mprotect(ulong addr, ulong length, Protection prot)
    {
        if (!Page.IsAligned(addr))
        {
            return Errno.EINVAL;
        }
        if (length == 0)
        {
            return Errno.Ok;
        }
        ulong end = addr + AlignUp(length);
        if (!IsMapped(addr, end))
        {
            return Errno.ENOMEM;
        }
        var next = new List<ModelVma>();
        foreach (var v in _vmas)
        {
            next.AddRange(Cut(v, addr, end, out var middle));
            if (middle is { } m)
            {
                next.Add(m with { Prot = prot });
            }
        }
        _vmas = next;
        Normalize();
        return Errno.Ok;
    }

    /// <summary>MADV_DONTNEED: private memory in the range reads zeros afterwards; shared memory keeps its data.</summary>
    public Errno MadviseDontNeed(ulong addr, ulong length)
    {
        if (!Page.IsAligned(addr))
        {
            return Errno.EINVAL;
        }
        if (length == 0)
        {
            return Errno.Ok;
        }
        ulong end = addr + AlignUp(length);
        foreach (var v in _vmas)
        {
            if (v.Object == 0)
            {
                for (ulong p = Math.Max(v.Start, addr); p < Math.Min(v.End, end); p += Page.Size)
                {
                    _private.Remove(p);
                }
            }
        }
        return IsMapped(addr, end) ? Errno.Ok : Errno.ENOMEM;
    }

    public Errno Mremap(ulong oldAddr, ulong oldSize, ulong newSize, MremapFlags flags, ulong newAddr, out ulong result)
    {
        result = 0;
        bool fixedTarget = (flags & MremapFlags.Fixed) != 0;
        bool mayMove = (flags & MremapFlags.MayMove) != 0;
        if (!Page.IsAligned(oldAddr) || (fixedTarget && !mayMove) || oldSize == 0 || newSize == 0)
        {
            return Errno.EINVAL;
        }
        oldSize = AlignUp(oldSize);
        newSize = AlignUp(newSize);
        if (fixedTarget && (!Page.IsAligned(newAddr) || !InUserRange(newAddr, newSize) ||
            (newAddr < oldAddr + oldSize && oldAddr < newAddr + newSize)))
        {
            return Errno.EINVAL;
        }
        if (VmaAt(oldAddr) is not { } vma || oldAddr + oldSize > vma.End)
        {
            return Errno.EFAULT;
        }
        if (fixedTarget)
        {
            Unmap(newAddr, newAddr + newSize);
            if (newSize < oldSize)
            {
                Unmap(oldAddr + newSize, oldAddr + oldSize);
                oldSize = newSize;
            }
            Move(oldAddr, oldSize, newAddr, newSize);
            result = newAddr;
            return Errno.Ok;
        }
        if (newSize <= oldSize)
        {
            Unmap(oldAddr + newSize, oldAddr + oldSize); // nothing at all when the sizes are equal
            result = oldAddr;
            return Errno.Ok;
        }
        ulong oldEnd = oldAddr + oldSize;
        ulong grow = newSize - oldSize;
        if (oldEnd == vma.End && InUserRange(oldEnd, grow) && IsFree(oldEnd, oldEnd + grow))
        {
            _vmas.Remove(vma);
            Insert(vma with { End = oldEnd + grow });
            result = oldAddr;
            return Errno.Ok;
        }
        if (!mayMove)
        {
            return Errno.ENOMEM;
        }
        ulong target = FindFreeArea(newSize);
        if (target == 0)
        {
            return Errno.ENOMEM;
        }
        Move(oldAddr, oldSize, target, newSize);
        result = target;
        return Errno.Ok;
    }

    public ulong BrkTo(ulong newBrk)
    {
        if (newBrk < _options.BrkStart || newBrk > _options.UserEnd)
        {
            return Brk;
        }
        ulong oldEnd = AlignUp(Brk), newEnd = AlignUp(newBrk);
        if (newEnd < oldEnd)
        {
            Unmap(newEnd, oldEnd);
        }
        else if (newEnd > oldEnd)
        {
            if (!IsFree(oldEnd, newEnd))
            {
                return Brk;
            }
            Insert(new ModelVma(oldEnd, newEnd, Protection.ReadWrite, 0, 0));
        }
        Brk = newBrk;
        return Brk;
    }

    /// <summary>Migration moves frames, never data: only the errno is observable.</summary>
    public Errno Migrate(ulong addr, ulong length)
    {
        if (!Page.IsAligned(addr) || length == 0)
        {
            return Errno.EINVAL;
        }
        return IsMapped(addr, addr + AlignUp(length)) ? Errno.Ok : Errno.EFAULT;
    }

    /// <summary>A user load: bytes up to the first page without read access, which is the fault address.</summary>
    public Errno Read(ulong va, Span<byte> destination, out ulong faultVa)
    {
        while (!destination.IsEmpty)
        {
            ulong page = Page.AlignDown(va);
            var bytes = PageBytes(page, out bool mapped);
            if (!mapped || VmaAt(page)!.Value.Prot == Protection.None)
            {
                faultVa = va;
                return Errno.EFAULT;
            }
            int offset = (int)(va - page);
            int n = Math.Min(destination.Length, Page.Size - offset);
            bytes.Slice(offset, n).CopyTo(destination);
            destination = destination[n..];
            va += (ulong)n;
        }
        faultVa = 0;
        return Errno.Ok;
    }

    /// <summary>A user store: bytes up to the first page without write access are written.</summary>
    public Errno Write(ulong va, ReadOnlySpan<byte> source, out ulong faultVa)
    {
        while (!source.IsEmpty)
        {
            ulong page = Page.AlignDown(va);
            if (VmaAt(page) is not { } v || (v.Prot & Protection.Write) == 0)
            {
                faultVa = va;
                return Errno.EFAULT;
            }
            var store = v.Object == 0 ? _private : _objects.Pages(v.Object);
            ulong key = v.Object == 0 ? page : v.PageOffsetOf(page);
            if (!store.TryGetValue(key, out var bytes))
            {
                store[key] = bytes = new byte[Page.Size];
            }
            int offset = (int)(va - page);
            int n = Math.Min(source.Length, Page.Size - offset);
            source[..n].CopyTo(bytes.AsSpan(offset));
            source = source[n..];
            va += (ulong)n;
        }
        faultVa = 0;
        return Errno.Ok;
    }

    // ---- VMA list ----------------------------------------------------------------------------------

    private static ulong AlignUp(ulong length) => (length + Page.Mask) & ~Page.Mask;

    private bool InUserRange(ulong start, ulong length) =>
        start >= _options.MmapMin && length <= _options.UserEnd && start <= _options.UserEnd - length;

    private bool IsFree(ulong start, ulong end)
    {
        foreach (var v in _vmas)
        {
            if (v.Start < end && start < v.End)
            {
                return false;
            }
        }
        return true;
    }

    private bool IsMapped(ulong start, ulong end)
    {
        for (ulong p = start; p < end; p += Page.Size)
        {
            if (VmaAt(p) is null)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Top-down: the highest free range that ends at or below MmapBase (a gap's top is MmapBase
    /// or some VMA's start); then bottom-up from MmapBase. 0 when nothing fits.</summary>
    private ulong FindFreeArea(ulong length)
    {
        ulong top = Math.Min(_options.MmapBase, _options.UserEnd);
        var ends = new List<ulong> { top };
        foreach (var v in _vmas)
        {
            if (v.Start <= top)
            {
                ends.Add(v.Start);
            }
        }
        ends.Sort();
        for (int i = ends.Count - 1; i >= 0; i--)
        {
            ulong end = ends[i];
            if (end >= length && end - length >= _options.MmapMin && IsFree(end - length, end))
            {
                return end - length;
            }
        }
        var starts = new List<ulong> { Math.Max(_options.MmapBase, _options.MmapMin) };
        foreach (var v in _vmas)
        {
            if (v.End >= _options.MmapBase)
            {
                starts.Add(v.End);
            }
        }
        starts.Sort();
        foreach (ulong start in starts)
        {
            if (InUserRange(start, length) && IsFree(start, start + length))
            {
                return start;
            }
        }
        return 0;
    }

    /// <summary>The parts of <paramref name="v"/> outside [start, end), and the part inside as <paramref name="middle"/>.</summary>
    private static List<ModelVma> Cut(ModelVma v, ulong start, ulong end, out ModelVma? middle)
    {
        if (v.End <= start || end <= v.Start)
        {
            middle = null;
            return [v];
        }
        var outside = new List<ModelVma>();
        if (v.Start < start)
        {
            outside.Add(Slice(v, v.Start, start));
        }
        if (end < v.End)
        {
            outside.Add(Slice(v, end, v.End));
        }
        middle = Slice(v, Math.Max(v.Start, start), Math.Min(v.End, end));
        return outside;
    }

    private static ModelVma Slice(ModelVma v, ulong start, ulong end) =>
        v with { Start = start, End = end, PgOff = v.Object == 0 ? 0 : v.PageOffsetOf(start) };

    private void Unmap(ulong start, ulong end)
    {
        if (start >= end)
        {
            return;
        }
        var next = new List<ModelVma>();
        foreach (var v in _vmas)
        {
            next.AddRange(Cut(v, start, end, out _));
        }
        _vmas = next;
        for (ulong p = start; p < end; p += Page.Size)
        {
            _private.Remove(p);
        }
    }

    private void Move(ulong oldAddr, ulong oldSize, ulong newAddr, ulong newSize)
    {
        var v = VmaAt(oldAddr)!.Value;
        var moved = new ModelVma(newAddr, newAddr + newSize, v.Prot, v.Object, v.Object == 0 ? 0 : v.PageOffsetOf(oldAddr));
        var data = new List<(ulong, byte[])>();
        for (ulong off = 0; off < oldSize; off += Page.Size)
        {
            if (_private.Remove(oldAddr + off, out var bytes))
            {
                data.Add((newAddr + off, bytes));
            }
        }
        Unmap(oldAddr, oldAddr + oldSize);
        foreach (var (page, bytes) in data)
        {
            _private[page] = bytes;
        }
        Insert(moved);
    }

    private void Insert(ModelVma vma)
    {
        _vmas.Add(vma);
        for (ulong p = vma.Start; p < vma.End; p += Page.Size)
        {
            PagesEverMapped.Add(p);
        }
        Normalize();
    }

    /// <summary>Sorts and merges every pair of adjacent VMAs with the same protection and backing
    /// (for shared memory: the same object at consecutive offsets).</summary>
    private void Normalize()
    {
        _vmas.Sort((a, b) => a.Start.CompareTo(b.Start));
        var merged = new List<ModelVma>(_vmas.Count);
        foreach (var v in _vmas)
        {
            if (merged.Count > 0 && merged[^1] is var last && last.End == v.Start && last.Prot == v.Prot &&
                last.Object == v.Object && (v.Object == 0 || last.PageOffsetOf(last.End) == v.PgOff))
            {
                merged[^1] = last with { End = v.End };
            }
            else
            {
                merged.Add(v);
            }
        }
        _vmas = merged;
    }
}
