using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Support;

namespace Emulator.Tests.Mm;

/// <summary>The mm shoots down the TLBs of the vCPUs running it (mm_cpumask) on every downgrade.</summary>
public class TlbShootdownTests
{
    private static Mmu CpuRunning(Core.Machine machine, AddressSpace mm, bool attach = true)
    {
        var mmu = new Mmu(machine.Memory, mm.Mode, WalkOptions.Default);
        Assert.True(mmu.LoadCr3(mm.RootPa));
        if (attach)
        {
            mm.AttachCpu(mmu);
        }
        return mmu;
    }

    [Fact]
    public void Without_a_shootdown_a_cached_translation_outlives_munmap_negative_control()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var mmu = CpuRunning(machine, mm, attach: false);
        Assert.True(mmu.Translate(va, AccessType.User).IsOk);

        mm.Munmap(va, Page.Size);

        // Architecturally the TLB keeps the entry: this is the hazard the shootdown exists for.
        Assert.True(mmu.Translate(va, AccessType.User).IsOk);
    }

    [Fact]
    public void Munmap_shoots_down_an_attached_cpu()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var mmu = CpuRunning(machine, mm);
        Assert.True(mmu.Translate(va, AccessType.User).IsOk); // cached now

        mm.Munmap(va, Page.Size);

        var r = mmu.Translate(va, AccessType.User);
        Assert.Equal(WalkStatus.PageFault, r.Status); // the stale entry is gone: the walk faults
        Assert.Equal(PageFaultErrorCode.User, r.ErrorCode); // not present, user read
    }

    [Fact]
    public void Mprotect_read_only_makes_a_cached_writable_entry_fault_on_write()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var mmu = CpuRunning(machine, mm);
        Assert.True(mmu.Translate(va, AccessType.User | AccessType.Write).IsOk);

        mm.Mprotect(va, Page.Size, Protection.Read);

        Assert.True(mmu.Translate(va, AccessType.User).IsOk); // reads still work
        var w = mmu.Translate(va, AccessType.User | AccessType.Write);
        Assert.Equal(WalkStatus.PageFault, w.Status);
        Assert.Equal(PageFaultErrorCode.Present | PageFaultErrorCode.Write | PageFaultErrorCode.User, w.ErrorCode); // protection fault
    }

    [Fact]
    public void Fork_write_protects_the_parent_in_cached_entries_too()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var mmu = CpuRunning(machine, mm);
        Assert.True(mmu.Translate(va, AccessType.User | AccessType.Write).IsOk);

        Assert.Equal(Errno.Ok, mm.Fork(out var child));

        // Without the shootdown the parent's CPU would write the now-shared frame behind the child's back.
        Assert.Equal(WalkStatus.PageFault, mmu.Translate(va, AccessType.User | AccessType.Write).Status);
        child!.Exit();
    }

    [Fact]
    public void A_detached_cpu_is_no_longer_shot_down()
    {
        var (machine, mm) = TestMachines.NewProcess();
        ulong va = TestMachines.MapTouched(mm, 1);
        var mmu = CpuRunning(machine, mm);
        mm.DetachCpu(mmu);
        long before = mm.Stats.CpuTlbShootdowns;

        mm.Munmap(va, Page.Size);

        Assert.Equal(before, mm.Stats.CpuTlbShootdowns); // nobody left to interrupt
    }
}
