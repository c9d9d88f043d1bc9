using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Tests.Iommu;

/// <summary>CD tables for the full 20-bit SSID space, laid out as Linux does (1024-CD leaves), and the
/// contiguous tables and queues behind them.</summary>
public sealed class SmmuDriverWidePasidTests
{
    private const uint MaxPasid = 0xF_FFFF;

    private static (AddressSpace Mm, ulong Va, ushort Asid) Bind(DriverRig rig, uint sid, int ssidBits, uint pasid)
    {
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(sid, ssidBits, ats: true, pri: true));
        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var mm));
        ulong va = Support.TestMachines.MapTouched(mm!, 2);
        Assert.Equal(Errno.Ok, rig.Driver.AllocateAsid(out ushort asid));
        Assert.Equal(Errno.Ok, rig.Driver.SetPasid(sid, pasid, asid, mm!.RootPa, PagingMode.FourLevel));
        return (mm, va, asid);
    }

    [Fact]
    public void The_driver_offers_the_20_bit_ssid_space_the_smmu_advertises()
    {
        var rig = new DriverRig();
        Assert.Equal(rig.Device.Options.SsidBits, rig.Driver.MaxSsidBits);   // 20: no cap below the SMMU's
        Assert.Equal(20, rig.Driver.MaxSsidBits);
    }

    [Fact]
    public void SetPasid_0xFFFFF_on_a_20_bit_device_translates_through_the_mm_tables()
    {
        var rig = new DriverRig();
        var (mm, va, asid) = Bind(rig, DriverRig.Sid, 20, MaxPasid);

        ContextDescriptor cd = rig.Driver.ReadCd(DriverRig.Sid, MaxPasid);
        Assert.True(cd.Valid);
        Assert.Equal(asid, cd.Asid);
        Assert.Equal(mm.RootPa, cd.Ttb0);

        IAtsTranslationAgent smmu = rig.Device;
        AtsCompletion c = smmu.Translate(DriverRig.Sid, MaxPasid, va + 4096, AtsPermissions.Read);
        Assert.Equal(AtsStatus.Success, c.Status);                         // the SMMU found the CD the driver wrote
        Assert.Equal(rig.CpuPa(mm, va + 4096), c.Pa);                      // and walked the mm's tables
    }

    [Fact]
    public void The_cd_sits_where_the_smmu_looks_for_it_in_a_2_level_table_with_1024_cd_leaves()
    {
        var rig = new DriverRig();
        Bind(rig, DriverRig.Sid, 20, MaxPasid);

        StreamTableEntry ste = rig.Driver.ReadSte(DriverRig.Sid);
        Assert.Equal(CdTableFormat.TwoLevel64K, ste.S1Fmt);                // 64 KiB leaves
        Assert.Equal(20, ste.S1CdMax);
        ulong l1Pa = ste.S1ContextPtrPa;
        Assert.Equal(0UL, l1Pa % (1024 * CdTableDescriptor.Size));        // 1024 L1CDs (8 KiB), size-aligned

        Assert.True(rig.Memory.TryReadU64(l1Pa + (MaxPasid >> 10) * CdTableDescriptor.Size, out ulong rawL1));
        var l1 = new CdTableDescriptor(rawL1);
        Assert.True(l1.Valid);                                             // leaf 1023 = pasid >> 10
        Assert.Equal(0UL, l1.L2Ptr % (64 * 1024));                         // L2Ptr[15:12] RES0 for 64K_L2
        var raw = new byte[ContextDescriptor.Size];
        Assert.True(rig.Memory.TryRead(l1.L2Ptr + (MaxPasid & 0x3FF) * ContextDescriptor.Size, raw));
        Assert.Equal(rig.Driver.ReadCd(DriverRig.Sid, MaxPasid), ContextDescriptor.ReadFrom(raw)); // slot pasid & 1023

        Assert.True(rig.Memory.TryReadU64(l1Pa, out ulong rawL1Zero));
        Assert.False(new CdTableDescriptor(rawL1Zero).Valid);              // leaves are allocated on first use only
    }

    [Fact]
    public void A_leaf_is_16_contiguous_frames_allocated_once_for_its_1024_pasids()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: true, pri: false));
        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var mm));

        long before = rig.Machine.Frames.AllocatedFrames;
        Assert.Equal(Errno.Ok, rig.Driver.SetPasid(DriverRig.Sid, 0x12345, 1, mm!.RootPa, PagingMode.FourLevel));
        Assert.Equal(before + 16, rig.Machine.Frames.AllocatedFrames);    // one 64 KiB leaf
        Assert.Equal(Errno.Ok, rig.Driver.SetPasid(DriverRig.Sid, 0x12000, 1, mm.RootPa, PagingMode.FourLevel));
        Assert.Equal(before + 16, rig.Machine.Frames.AllocatedFrames);    // same leaf (0x12345 >> 10 == 0x12000 >> 10)
    }

    [Fact]
    public void A_pasid_beyond_the_devices_bits_is_EINVAL()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 12, ats: true, pri: false));
        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var mm));

        Assert.Equal(Errno.Ok, rig.Driver.SetPasid(DriverRig.Sid, 0xFFF, 1, mm!.RootPa, PagingMode.FourLevel)); // 2^12 - 1
        Assert.Equal(Errno.EINVAL, rig.Driver.SetPasid(DriverRig.Sid, 0x1000, 1, mm.RootPa, PagingMode.FourLevel));
        Assert.Equal(Errno.EINVAL, rig.Driver.SetPasid(DriverRig.Sid, 1u << 20, 1, mm.RootPa, PagingMode.FourLevel));
        Assert.Equal(12, rig.Driver.ReadSte(DriverRig.Sid).S1CdMax);       // the device's width, not lowered
    }

    [Fact]
    public void Up_to_1024_pasids_get_one_linear_64KiB_cd_table()
    {
        var rig = new DriverRig();
        var (mm, va, _) = Bind(rig, 7, 10, 1023);

        StreamTableEntry ste = rig.Driver.ReadSte(7);
        Assert.Equal(CdTableFormat.Linear, ste.S1Fmt);
        Assert.Equal(10, ste.S1CdMax);
        Assert.Equal(0UL, ste.S1ContextPtrPa % (64 * 1024));              // size-aligned 64 KiB table
        var raw = new byte[ContextDescriptor.Size];
        Assert.True(rig.Memory.TryRead(ste.S1ContextPtrPa + 1023 * ContextDescriptor.Size, raw));
        Assert.True(ContextDescriptor.ReadFrom(raw).Valid);                // CD 1023 at index × 64
        AtsCompletion c = rig.Device.Translate(7, 1023, va, AtsPermissions.Read);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(rig.CpuPa(mm, va), c.Pa);
    }

    [Fact]
    public void Queues_larger_than_a_frame_are_honoured_and_size_aligned()
    {
        var rig = new DriverRig(new SmmuDriverOptions { CmdqLog2Size = 10, EventqLog2Size = 10 });

        var cmdq = new QueueBase(rig.Reg64(R.CmdqBase));
        Assert.Equal(10, cmdq.Log2Size);                                   // 1024 commands = 16 KiB (IDR1.CMDQS 10)
        Assert.Equal(0UL, cmdq.Address % (16 * 1024));
        var eventq = new QueueBase(rig.Reg64(R.EventqBase));
        Assert.Equal(10, eventq.Log2Size);                                 // 1024 events = 32 KiB
        Assert.Equal(0UL, eventq.Address % (32 * 1024));

        var (mm, va, _) = Bind(rig, DriverRig.Sid, 20, 5);                 // commands still flow through the big queue
        Assert.Equal(AtsStatus.Success, rig.Device.Translate(DriverRig.Sid, 5, va, AtsPermissions.Read).Status);
    }
}
