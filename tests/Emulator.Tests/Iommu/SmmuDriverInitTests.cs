using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Iommu;

/// <summary>Init programs the SMMU through its registers as Linux arm_smmu_device_reset does.</summary>
public sealed class SmmuDriverInitTests
{
    [Fact]
    public void Init_enables_the_queues_and_the_smmu_and_programs_the_tables()
    {
        var rig = new DriverRig();

        uint cr0 = Cr0.SmmuEnBit | Cr0.CmdqEnBit | Cr0.EventqEnBit | Cr0.PriqEnBit | Cr0.AtsChkBit;
        Assert.Equal(cr0, rig.Reg32(R.Cr0));                    // every unit on, ATS checked
        Assert.Equal(cr0, rig.Reg32(R.Cr0Ack));                 // and acknowledged
        Assert.Equal(0xD75u, rig.Reg32(R.Cr1));                 // ISH, WB tables and queues
        Assert.Equal(R.Cr2Ptm | R.Cr2RecInvSid, rig.Reg32(R.Cr2));
        Assert.Equal(R.IrqCtrlGErrorIrqEn | R.IrqCtrlEventqIrqEn | R.IrqCtrlPriqIrqEn, rig.Reg32(R.IrqCtrl));

        var cfg = new StrtabBaseCfg(rig.Reg32(R.StrtabBaseCfg));
        Assert.Equal(StreamTableFormat.TwoLevel, cfg.EffectiveFormat);   // 2-level stream table
        Assert.Equal(6, cfg.Split);                                      // 64-STE (one frame) leaves
        Assert.Equal(16, cfg.Log2Size);                                  // 1024 L1STDs × 64 = all 16 SID bits of IDR1
        Assert.Equal(16, rig.Driver.SidBits);
        Assert.NotEqual(0UL, new StrtabBase(rig.Reg64(R.StrtabBase)).Address);

        var cmdq = new QueueBase(rig.Reg64(R.CmdqBase));
        Assert.Equal(8, cmdq.Log2Size);                                  // 256 commands = one frame
        Assert.Equal(0UL, cmdq.Address & 0xFFF);                         // frame aligned
        Assert.Equal(7, new QueueBase(rig.Reg64(R.EventqBase)).Log2Size);
        Assert.Equal(8, new QueueBase(rig.Reg64(R.PriqBase)).Log2Size);

        Assert.Equal(1, rig.Executed(CommandOpcode.CfgiSteRange));       // CMD_CFGI_ALL
        Assert.Equal(1, rig.Executed(CommandOpcode.TlbiNsnhAll));
        Assert.Equal(2, rig.Executed(CommandOpcode.Sync));               // each waited on
        Assert.Equal(2, rig.Driver.Stats.SyncsWaited);
        Assert.Equal(rig.Reg32(R.CmdqProd), rig.Reg32(R.CmdqCons));      // queue drained, no error
        Assert.NotNull(rig.Device.PriInterrupt);                         // PRIQ handler installed
    }

    [Fact]
    public void Init_twice_is_EBUSY()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.EBUSY, rig.Driver.Init());
    }

    [Fact]
    public void Init_without_frames_is_ENOMEM_and_leaks_nothing()
    {
        var rig = new DriverRig(init: false);
        var held = new List<ulong>();
        while (rig.Machine.Frames.TryAllocate(out ulong pfn))
        {
            held.Add(pfn);
        }
        rig.Machine.Frames.Put(held[^1]);                 // one frame: not enough for queues + table
        held.RemoveAt(held.Count - 1);
        long before = rig.Machine.Frames.AllocatedFrames;

        Assert.Equal(Errno.ENOMEM, rig.Driver.Init());
        Assert.Equal(before, rig.Machine.Frames.AllocatedFrames);        // the partial allocation was returned
        Assert.False(rig.Driver.IsInitialized);
        Assert.Equal(0u, rig.Reg32(R.Cr0));                              // nothing was enabled
    }

    [Fact]
    public void Asids_are_allocated_lowest_first_from_1_and_reused()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AllocateAsid(out ushort a));
        Assert.Equal(Errno.Ok, rig.Driver.AllocateAsid(out ushort b));
        Assert.Equal((1, 2), (a, b));                                    // 0 is reserved
        Assert.Equal(Errno.Ok, rig.Driver.FreeAsid(a));
        Assert.Equal(Errno.EINVAL, rig.Driver.FreeAsid(a));              // double free is refused
        Assert.Equal(Errno.EINVAL, rig.Driver.FreeAsid(0));
        Assert.Equal(Errno.Ok, rig.Driver.AllocateAsid(out ushort c));
        Assert.Equal(1, c);
    }
}
