using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;

namespace Emulator.Tests.Kernel;

/// <summary>A machine with /dev/sva0 over a real ATS+PRI endpoint, one process that opened and bound it,
/// and helpers to submit descriptors the way a guest does: write the descriptor into the process's
/// memory, ioctl with its address, read the completion record back.</summary>
internal sealed class SvaDeviceRig
{
    public const uint Sid = 0x10;

    private readonly Dictionary<AddressSpace, ulong> _control = [];

    public SvaDeviceRig(FaultInjection inject = FaultInjection.None)
    {
        Machine = new Machine(new MachineOptions { RamSize = 256UL << 20, Inject = inject });
        Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
        Mm = mm!;
        Assert.Equal(Errno.Ok, Machine.AddDevice(Sid, ats: true, pri: true, pasidBits: 20, out var dma));
        Dma = dma!;
        Node = new SvaCharDevice(0, Machine.Sva!, Dma);
        File = Node.Open();
        Pasid = File.Ioctl(Mm, SvaAbi.Bind, 0);
        Assert.True(Pasid > 0, $"SVA_BIND returned {Pasid}");
        ControlPage(Mm); // first, so a later mmap never lands in a hole a test punched
    }

    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public DmaDevice Dma { get; }
    public SvaCharDevice Node { get; }
    public SvaDeviceFile File { get; }
    public long Pasid { get; }

    /// <summary>Maps <paramref name="pages"/> rw pages in <paramref name="mm"/> (default: the rig's process), untouched.</summary>
    public ulong Map(int pages, AddressSpace? mm = null, Protection prot = Protection.ReadWrite)
    {
        Assert.Equal(Errno.Ok, (mm ?? Mm).Mmap(0, (ulong)pages * Page.Size, prot, MapFlags.Private | MapFlags.Anonymous, out ulong va));
        return va;
    }

    public void Put(ulong va, ReadOnlySpan<byte> data, AddressSpace? mm = null) => Assert.Equal(Errno.Ok, (mm ?? Mm).WriteUser(va, data, out _));

    public byte[] Get(ulong va, int length, AddressSpace? mm = null) => KernelRig.Read(mm ?? Mm, va, length);

    /// <summary>Bytes 0, 1, 2, ... (mod 251, so pages differ from each other).</summary>
    public static byte[] Counting(int length, int salt = 0) => [.. Enumerable.Range(0, length).Select(i => (byte)((i + salt) % 251))];

    /// <summary>The guest's page holding its descriptor (offset 0) and completion record (offset 64).</summary>
    public ulong ControlPage(AddressSpace mm)
    {
        if (!_control.TryGetValue(mm, out ulong va))
        {
            va = Map(1, mm);
            _control[mm] = va;
        }
        return va;
    }

    /// <summary>Submits <paramref name="d"/> from <paramref name="mm"/> (completion at control + 64 unless
    /// the descriptor names one) and returns the ioctl's value and the completion record as the guest sees it.</summary>
    public long Submit(SvaDescriptor d, out SvaCompletion completion, AddressSpace? mm = null)
    {
        mm ??= Mm;
        ulong ctl = ControlPage(mm);
        if (d.Completion == 0)
        {
            d = d with { Completion = ctl + 64 };
        }
        var raw = new byte[SvaDescriptor.Size];
        d.Write(raw);
        Put(ctl, raw, mm);
        if (d.Completion == ctl + 64)
        {
            Put(ctl + 64, new byte[SvaCompletion.Size], mm); // software zeroes the record first
        }
        long rc = File.Ioctl(mm, SvaAbi.Submit, ctl);
        completion = d.Completion == ctl + 64 ? SvaCompletion.Read(Get(ctl + 64, SvaCompletion.Size, mm)) : default;
        return rc;
    }

    public SvaCompletion Run(SvaDescriptor d, AddressSpace? mm = null)
    {
        Assert.Equal(0, Submit(d, out var c, mm));
        return c;
    }
}
