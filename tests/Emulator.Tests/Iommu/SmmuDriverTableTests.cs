using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;

namespace Emulator.Tests.Iommu;

/// <summary>STEs and CDs written by the driver, as the SMMU decodes them.</summary>
public sealed class SmmuDriverTableTests
{
    [Fact]
    public void AttachDevice_writes_a_stage1_ste_with_ats_and_a_2_level_cd_table_and_invalidates_it()
    {
        var rig = new DriverRig();
        long cfgiSte = rig.Executed(CommandOpcode.CfgiSte);

        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(DriverRig.Sid, 20, ats: true, pri: true));

        StreamTableEntry ste = rig.Driver.ReadSte(DriverRig.Sid);
        Assert.True(ste.Valid);
        Assert.Equal(SteConfig.S1Translate, ste.Config);
        Assert.Equal(20, ste.S1CdMax);                                  // the full 20-bit SSID space
        Assert.Equal(CdTableFormat.TwoLevel64K, ste.S1Fmt);             // 1024-CD leaves, as Linux
        Assert.Equal(DefaultSubstream.Terminate, ste.S1Dss);            // no PASID: abort
        Assert.Equal(AtsMode.Translate, ste.Eats);                      // EATS full
        Assert.NotEqual(0UL, ste.S1ContextPtrPa);
        Assert.Equal(cfgiSte + 1, rig.Executed(CommandOpcode.CfgiSte)); // CFGI_STE reached the SMMU
        Assert.True(rig.Driver.IsAttached(DriverRig.Sid, out bool ats) && ats);
    }

    [Fact]
    public void A_small_ssid_space_gets_a_linear_cd_table_and_no_ats_means_eats_abort()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(7, 5, ats: false, pri: false));
        StreamTableEntry ste = rig.Driver.ReadSte(7);
        Assert.Equal(CdTableFormat.Linear, ste.S1Fmt);
        Assert.Equal(5, ste.S1CdMax);
        Assert.Equal(AtsMode.Abort, ste.Eats);
        Assert.Equal(SteConfig.Abort, rig.Driver.ReadSte(8).Config);    // neighbours in the new leaf: abort STEs
    }

    [Fact]
    public void AttachDevice_errors_are_values()
    {
        var rig = new DriverRig();
        Assert.Equal(Errno.EINVAL, rig.Driver.AttachDevice(1u << 16, 20, true, true)); // outside the 16-bit table
        Assert.Equal(Errno.EINVAL, rig.Driver.AttachDevice(1, 0, true, true));
        Assert.Equal(Errno.Ok, rig.Driver.AttachDevice(1, 20, true, true));
        Assert.Equal(Errno.EBUSY, rig.Driver.AttachDevice(1, 20, true, true));         // attached twice
        Assert.Equal(Errno.ENODEV, rig.Driver.SetPasid(2, 1, 1, 0x1000, Core.Paging.PagingMode.FourLevel));
        Assert.Equal(Errno.EINVAL, rig.Driver.SetPasid(1, 1u << 20, 1, 0x1000, Core.Paging.PagingMode.FourLevel));
        Assert.Equal(Errno.ENODEV, new DriverRig(init: false).Driver.AttachDevice(1, 20, true, true));
    }

    [Fact]
    public void SetPasid_makes_ats_translations_walk_the_mm_tables()
    {
        var rig = new DriverRig();
        var (mm, va, asid) = rig.Bind();

        ContextDescriptor cd = rig.Driver.ReadCd(DriverRig.Sid, DriverRig.Pasid);
        Assert.True(cd.Valid);
        Assert.Equal(asid, cd.Asid);
        Assert.Equal(mm.RootPa, cd.Ttb0);                                // the x86 root table
        Assert.Equal(16, cd.T0Sz);                                       // 48-bit VA
        Assert.Equal(1, rig.Executed(CommandOpcode.CfgiCd));

        AtsCompletion c = rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va + 4096, AtsPermissions.Read);
        Assert.Equal(AtsStatus.Success, c.Status);
        Assert.Equal(rig.CpuPa(mm, va + 4096), c.Pa);                    // the CPU's frame for that page
        Assert.True((c.Permissions & AtsPermissions.Read) != 0);
    }

    [Fact]
    public void ClearPasid_quiet_blocks_translation_with_the_cd_still_valid()
    {
        var rig = new DriverRig();
        var (_, va, asid) = rig.Bind();
        Assert.Equal(AtsStatus.Success, rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read).Status);

        Assert.Equal(Errno.Ok, rig.Driver.ClearPasid(DriverRig.Sid, DriverRig.Pasid, quiet: true));

        ContextDescriptor cd = rig.Driver.ReadCd(DriverRig.Sid, DriverRig.Pasid);
        Assert.True(cd.Valid && cd.Epd0);                                // valid, walks disabled
        Assert.Equal(asid, cd.Asid);                                     // same ASID
        Assert.Equal(AtsCompletion.NotPresent, rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read));
        Assert.Equal(2, rig.Executed(CommandOpcode.CfgiCd));             // the SMMU dropped its cached CD
    }

    [Fact]
    public void ClearPasid_not_quiet_invalidates_the_cd_and_translation_fails()
    {
        var rig = new DriverRig();
        var (_, va, _) = rig.Bind();
        Assert.Equal(Errno.Ok, rig.Driver.ClearPasid(DriverRig.Sid, DriverRig.Pasid, quiet: false));

        Assert.False(rig.Driver.ReadCd(DriverRig.Sid, DriverRig.Pasid).Valid);
        AtsCompletion c = rig.Device.Translate(DriverRig.Sid, DriverRig.Pasid, va, AtsPermissions.Read);
        Assert.Equal(AtsPermissions.None, c.Permissions);                // no access through an invalid CD
        Assert.NotEqual(AtsCompletion.NotPresent, c);                    // and not the quiet "no permissions": C_BAD_CD
        var events = new List<EventRecord>();
        Assert.True(rig.Driver.DrainEvents(events) >= 1);                // the SMMU recorded it
        Assert.Equal(EventId.C_BAD_CD, events[^1].Id);
    }
}
