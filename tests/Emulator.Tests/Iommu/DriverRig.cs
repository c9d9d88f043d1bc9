using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Tests.Smmu;

namespace Emulator.Tests.Iommu;

/// <summary>A machine with an SMMU device, a recording ATC backend and the kernel-side driver, initialised.</summary>
internal sealed class DriverRig
{
    public const uint Sid = 0x42;
    public const uint Pasid = 100;   // through the 2-level CD table of a 20-bit device (leaf 0)

    public DriverRig(SmmuDriverOptions? options = null, bool init = true)
    {
        Machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
        Backend = new RecordingAtcBackend();
        Device = new SmmuDevice(Machine.Memory, Machine.Frames, Backend, new SmmuOptions());
        Driver = new SmmuDriver(Machine.Memory, Machine.Frames, Device, options);
        if (init)
        {
            Assert.Equal(Errno.Ok, Driver.Init());
        }
    }

    public Machine Machine { get; }
    public PhysicalMemory Memory => Machine.Memory;
    public RecordingAtcBackend Backend { get; }
    public SmmuDevice Device { get; }
    public SmmuDriver Driver { get; }

    public uint Reg32(int offset)
    {
        Assert.True(Memory.TryReadU32(Device.Options.MmioBase + (ulong)offset, out uint v));
        return v;
    }

    public ulong Reg64(int offset)
    {
        Assert.True(Memory.TryReadU64(Device.Options.MmioBase + (ulong)offset, out ulong v));
        return v;
    }

    /// <summary>Attaches <see cref="Sid"/> with ATS and PRI and binds a fresh process with touched pages as <see cref="Pasid"/>.</summary>
    public (AddressSpace Mm, ulong Va, ushort Asid) Bind(int pages = 4)
    {
        Assert.Equal(Errno.Ok, Driver.AttachDevice(Sid, 20, ats: true, pri: true));
        Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
        ulong va = Support.TestMachines.MapTouched(mm!, pages);
        Assert.Equal(Errno.Ok, Driver.AllocateAsid(out ushort asid));
        Assert.Equal(Errno.Ok, Driver.SetPasid(Sid, Pasid, asid, mm!.RootPa, PagingMode.FourLevel));
        return (mm, va, asid);
    }

    public ulong CpuPa(AddressSpace mm, ulong va)
    {
        var walk = PageWalker.Walk(Memory, mm.RootPa, PagingMode.FourLevel, va, AccessType.User, WalkOptions.Default, setAccessedDirty: false);
        Assert.True(walk.IsOk);
        return walk.Translation.PhysicalAddress;
    }

    /// <summary>Commands the device executed of <paramref name="op"/>.</summary>
    public long Executed(CommandOpcode op) => Device.CommandCount(op);

    public static (uint Sid, uint Pasid)[] Target => [(Sid, Pasid)];
}
