using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;
using Emulator.Tests.Support;

namespace Emulator.Tests.Mm;

/// <summary>Small helpers shared by the address-space tests: user accesses, fixed mappings,
/// notifier logs, an attached vCPU and RAM pressure.</summary>
internal static class MmKit
{
    public const ulong P = Page.Size;
    public const MapFlags PrivateAnon = MapFlags.Private | MapFlags.Anonymous;
    public const MapFlags SharedAnon = MapFlags.Shared | MapFlags.Anonymous;

    /// <summary>Maps <paramref name="pages"/> anonymous pages exactly at <paramref name="va"/>.</summary>
    public static ulong MapAt(AddressSpace mm, ulong va, int pages, Protection prot = Protection.ReadWrite, bool shared = false)
    {
        var flags = (shared ? SharedAnon : PrivateAnon) | MapFlags.Fixed;
        Assert.Equal(Errno.Ok, mm.Mmap(va, (ulong)pages * P, prot, flags, out ulong mapped));
        Assert.Equal(va, mapped);
        return va;
    }

    /// <summary>Stores <paramref name="value"/> into the first byte of each page.</summary>
    public static void Fill(AddressSpace mm, ulong va, int pages, byte value)
    {
        for (int i = 0; i < pages; i++)
        {
            Poke(mm, va + (ulong)i * P, value);
        }
    }

    public static void Poke(AddressSpace mm, ulong va, byte value) =>
        Assert.Equal(Errno.Ok, mm.WriteUser(va, [value], out _));

    public static byte Peek(AddressSpace mm, ulong va)
    {
        var b = new byte[1];
        Assert.Equal(Errno.Ok, mm.ReadUser(va, b, out _));
        return b[0];
    }

    /// <summary>A one-byte user load; the errno and the address a program would fault on.</summary>
    public static Errno TryPeek(AddressSpace mm, ulong va, out ulong faultVa) =>
        mm.ReadUser(va, new byte[1], out faultVa);

    public static Errno TryPoke(AddressSpace mm, ulong va, byte value, out ulong faultVa) =>
        mm.WriteUser(va, [value], out faultVa);

    public static ulong Pfn(AddressSpace mm, ulong va)
    {
        var e = mm.LeafEntry(va);
        Assert.True(e.Present || e.IsProtNone, $"no frame mapped at {va:x}: {e}");
        return e.Pfn;
    }

    /// <summary>A recording list subscriber on <paramref name="mm"/>.</summary>
    public static HookOps Subscribe(AddressSpace mm)
    {
        var ops = new HookOps();
        Assert.Equal(Errno.Ok, MmuNotifierSubscriptions.Register(new MmuNotifier(ops), mm));
        return ops;
    }

    /// <summary>What a subscriber logs for one invalidation in shootdown order.</summary>
    public static string[] Bracket(ulong start, ulong end, MmuNotifierEvent ev) =>
        [$"start {start:x}-{end:x} {ev}", $"secondary {start:x}-{end:x}", $"end {start:x}-{end:x} {ev}"];

    /// <summary>An invalidation during which no entry changed, so no secondary TLB was touched.</summary>
    public static string[] BracketWithoutSecondary(ulong start, ulong end, MmuNotifierEvent ev) =>
        [$"start {start:x}-{end:x} {ev}", $"end {start:x}-{end:x} {ev}"];

    public static (ulong Start, ulong End, Protection Prot, bool Shared)[] VmaList(AddressSpace mm) =>
        [.. mm.Vmas().Select(v => (v.Start, v.End, v.Prot, v.IsShared))];

    /// <summary>A vCPU running <paramref name="mm"/>: CR3 loaded and registered for shootdowns.</summary>
    public static Mmu AttachCpu(Machine machine, AddressSpace mm)
    {
        var mmu = new Mmu(machine.Memory, mm.Mode, WalkOptions.Default);
        Assert.True(mmu.LoadCr3(mm.RootPa));
        mm.AttachCpu(mmu);
        return mmu;
    }

    public const AccessType UserWrite = AccessType.Write | AccessType.User;
    public const AccessType UserRead = AccessType.User;

    /// <summary>Translates twice and checks the second came from the TLB, so a later check proves a
    /// shootdown rather than an empty TLB.</summary>
    public static ulong CacheTranslation(Mmu mmu, ulong va, AccessType access)
    {
        var first = mmu.Translate(va, access);
        Assert.True(first.IsOk, $"translate {va:x}: {first}");
        var second = mmu.Translate(va, access);
        Assert.True(second.IsOk && second.Translation.FromTlb, $"{va:x} was not cached: {second}");
        return second.Translation.PhysicalAddress;
    }

    /// <summary>Takes frames from the allocator until exactly <paramref name="leave"/> are free.</summary>
    public static List<ulong> Hog(FrameAllocator frames, long leave)
    {
        var taken = new List<ulong>();
        while (frames.FreeFrames > leave)
        {
            Assert.True(frames.TryAllocate(out ulong pfn));
            taken.Add(pfn);
        }
        Assert.Equal(leave, frames.FreeFrames);
        return taken;
    }

    public static void Unhog(FrameAllocator frames, List<ulong> taken)
    {
        foreach (var pfn in taken)
        {
            Assert.True(frames.Put(pfn));
        }
        taken.Clear();
    }

    /// <summary>True when an inspection walk of <paramref name="va"/> still goes through the level-1
    /// table <paramref name="ptPfn"/>. Lock-free, like a hardware walker, so callable from a callback.</summary>
    public static bool WalkUses(AddressSpace mm, ulong va, ulong ptPfn)
    {
        var r = PageWalker.Walk(mm.Frames.Memory, mm.RootPa, mm.Mode, va, AccessType.User, WalkOptions.Default, setAccessedDirty: false);
        return r.Level == 1 && (r.IsOk ? r.Translation.LeafEntryPa : r.EntryPa) >> Page.Shift == ptPfn;
    }

    /// <summary>Physical address of the level-1 table (page of PTEs) covering <paramref name="va"/>,
    /// found by an inspection walk that stops at the (empty or present) leaf.</summary>
    public static ulong LeafTablePfn(AddressSpace mm, ulong va)
    {
        var r = PageWalker.Walk(mm.Frames.Memory, mm.RootPa, mm.Mode, va, AccessType.User, WalkOptions.Default, setAccessedDirty: false);
        Assert.Equal(1, r.Level); // the walk reached the PTE: every table above it is present
        return (r.IsOk ? r.Translation.LeafEntryPa : r.EntryPa) >> Page.Shift;
    }
}
