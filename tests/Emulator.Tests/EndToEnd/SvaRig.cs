using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Sva;

namespace Emulator.Tests.EndToEnd;

/// <summary>A machine with one process bound to one ATS+PRI device through the whole real path.</summary>
internal sealed class SvaRig
{
    public const uint Sid = 0x10;

    public SvaRig(FaultInjection inject = FaultInjection.None, ulong ramSize = 256UL << 20, ISvaDeviceDriver? driver = null)
    {
        Machine = new Machine(new MachineOptions { RamSize = ramSize, Inject = inject });
        Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
        Mm = mm!;
        Assert.Equal(Errno.Ok, Machine.AddDevice(Sid, ats: true, pri: true, pasidBits: 20, out var dev));
        Device = dev!;
        SvaDevice = new SvaDevice(Sid, 20, driver);
        Assert.Equal(Errno.Ok, Machine.Sva!.Bind(SvaDevice, Mm, out var bond));
        Bond = bond!;
    }

    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public DmaDevice Device { get; }
    public SvaDevice SvaDevice { get; }
    public SvaBond Bond { get; }
    public uint Pasid => Bond.Pasid;
    public SmmuDriver Driver => Machine.SmmuDriver!;

    /// <summary>Maps <paramref name="pages"/> rw pages and fills each with a byte pattern (page i = i + 1).</summary>
    public ulong MapFilled(int pages, Protection prot = Protection.ReadWrite)
    {
        Assert.Equal(Errno.Ok, Mm.Mmap(0, (ulong)pages * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong va));
        for (int i = 0; i < pages; i++)
        {
            var data = new byte[Page.Size];
            Array.Fill(data, (byte)(i + 1));
            Assert.Equal(Errno.Ok, Mm.WriteUser(va + (ulong)i * Page.Size, data, out _));
        }
        if (prot != Protection.ReadWrite)
        {
            Assert.Equal(Errno.Ok, Mm.Mprotect(va, (ulong)pages * Page.Size, prot));
        }
        return va;
    }

    public DmaResult DmaRead(ulong va, Span<byte> into) => Device.Read(Pasid, va, into);
    public DmaResult DmaWrite(ulong va, ReadOnlySpan<byte> from) => Device.Write(Pasid, va, from);

    public byte CpuByte(AddressSpace mm, ulong va)
    {
        var b = new byte[1];
        Assert.Equal(Errno.Ok, mm.ReadUser(va, b, out _));
        return b[0];
    }
}
