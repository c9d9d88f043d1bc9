using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Tests.Support;

/// <summary>Small machines and address spaces for tests.</summary>
internal static class TestMachines
{
    public static (Machine Machine, AddressSpace Mm) NewProcess(ulong ramSize = 64UL << 20, Core.Paging.PagingMode mode = Core.Paging.PagingMode.FourLevel)
    {
        var machine = new Machine(new MachineOptions { RamSize = ramSize, Paging = mode });
        Assert.Equal(Errno.Ok, machine.CreateAddressSpace(out var mm));
        return (machine, mm!);
    }

    /// <summary>Maps <paramref name="pages"/> private rw pages and writes one byte to each.</summary>
    public static ulong MapTouched(AddressSpace mm, int pages, ulong at = 0)
    {
        var flags = MapFlags.Private | MapFlags.Anonymous | (at != 0 ? MapFlags.Fixed : 0);
        Assert.Equal(Errno.Ok, mm.Mmap(at, (ulong)pages * Page.Size, Protection.ReadWrite, flags, out ulong va));
        for (int i = 0; i < pages; i++)
        {
            Assert.Equal(Errno.Ok, mm.WriteUser(va + (ulong)i * Page.Size, [(byte)(i + 1)], out _));
        }
        return va;
    }
}
