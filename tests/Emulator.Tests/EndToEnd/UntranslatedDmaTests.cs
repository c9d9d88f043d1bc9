using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Core.Sva;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// A device without ATS bound through SVA: every DMA is an untranslated request the SMMU translates itself,
/// and a fault terminates the access and lands in the event queue (F_TRANSLATION, F_PERMISSION).
/// </summary>
public class UntranslatedDmaTests
{
    private const uint Sid = 0x20;

    private sealed class Rig
    {
        public Rig()
        {
            Machine = new Machine(new MachineOptions { RamSize = 64UL << 20 });
            Assert.Equal(Errno.Ok, Machine.CreateAddressSpace(out var mm));
            Mm = mm!;
            Assert.Equal(Errno.Ok, Machine.AddDevice(Sid, ats: false, pri: false, pasidBits: 20, out var dev));
            Device = dev!;
            Assert.Equal(Errno.Ok, Machine.Sva!.Bind(new SvaDevice(Sid, 20, null), Mm, out var bond));
            Pasid = bond!.Pasid;
        }

        public Machine Machine { get; }
        public AddressSpace Mm { get; }
        public DmaDevice Device { get; }
        public uint Pasid { get; }

        public ulong MapFilled(int pages, byte fill, Protection prot = Protection.ReadWrite)
        {
            Assert.Equal(Errno.Ok, Mm.Mmap(0, (ulong)pages * Page.Size, Protection.ReadWrite, MapFlags.Private | MapFlags.Anonymous, out ulong va));
            var data = new byte[pages * Page.Size];
            Array.Fill(data, fill);
            Assert.Equal(Errno.Ok, Mm.WriteUser(va, data, out _));
            if (prot != Protection.ReadWrite)
            {
                Assert.Equal(Errno.Ok, Mm.Mprotect(va, (ulong)pages * Page.Size, prot));
            }
            return va;
        }

        public List<EventRecord> Events()
        {
            var events = new List<EventRecord>();
            Machine.SmmuDriver!.DrainEvents(events);
            return events;
        }
    }

    [Fact]
    public void A_device_without_ats_reads_and_writes_cpu_memory_through_the_smmu()
    {
        var rig = new Rig();
        ulong va = rig.MapFilled(2, 0x5A);
        var buf = new byte[Page.Size + 64];

        Assert.True(rig.Device.Read(rig.Pasid, va + Page.Size - 32, buf.AsSpan(0, 64)).IsOk); // crosses the page boundary
        Assert.All(buf.AsSpan(0, 64).ToArray(), b => Assert.Equal(0x5A, b)); // the device sees what the CPU wrote

        Array.Fill(buf, (byte)0xC3);
        Assert.True(rig.Device.Write(rig.Pasid, va, buf.AsSpan(0, 16)).IsOk);
        var cpu = new byte[16];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(va, cpu, out _));
        Assert.All(cpu, b => Assert.Equal(0xC3, b)); // the CPU sees what the device wrote

        Assert.Equal(0, rig.Device.TranslationsRequested); // no ATS Translation Request was ever sent
        Assert.True(rig.Device.UntranslatedRequests >= 3); // one untranslated request per page access
        Assert.Equal(0, rig.Device.Atc.Count);  // and nothing was cached at the device
        Assert.Empty(rig.Events());             // a clean run records nothing
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void A_read_of_an_unmapped_address_faults_with_one_f_translation_record()
    {
        var rig = new Rig();
        ulong va = rig.MapFilled(2, 1);
        Assert.Equal(Errno.Ok, rig.Mm.Munmap(va + Page.Size, Page.Size));
        ulong faultVa = va + Page.Size + 0x123;

        DmaResult r = rig.Device.Read(rig.Pasid, faultVa, new byte[8]);

        Assert.Equal(DmaFaultReason.TranslationFault, r.Reason); // terminated: no PRI, no retry
        Assert.Equal(faultVa, r.FaultVa);
        Assert.Equal(0, rig.Device.PriRequests);
        var events = rig.Events();
        EventRecord e = Assert.Single(events); // exactly one record for the one faulting access
        Assert.Equal(EventId.F_TRANSLATION, e.Id);
        Assert.Equal(Sid, e.StreamId);
        Assert.True(e.SubstreamValid);          // the request carried a PASID
        Assert.Equal(rig.Pasid, e.SubstreamId);
        Assert.Equal(faultVa, e.InputAddress);  // the faulting byte's address, not the page's
        Assert.True(e.Read);                    // RnW = 1
        Assert.False(e.Privileged);
        Assert.False(e.Instruction);
        Assert.False(e.Stage2);
        Assert.Equal(FaultClass.Input, e.Class);
        Assert.False(e.Stall);                  // stalls are not modelled: terminated
    }

    [Fact]
    public void A_write_to_a_read_only_page_faults_with_one_f_permission_record()
    {
        var rig = new Rig();
        ulong va = rig.MapFilled(1, 7, Protection.Read);

        Assert.True(rig.Device.Read(rig.Pasid, va, new byte[8]).IsOk); // the page is readable (and now in the IOTLB)
        DmaResult r = rig.Device.Write(rig.Pasid, va + 0x40, new byte[8]);

        Assert.Equal(DmaFaultReason.TranslationFault, r.Reason);
        Assert.Equal(0, r.BytesCompleted);
        var events = rig.Events();
        EventRecord e = Assert.Single(events); // the successful read recorded nothing
        Assert.Equal(EventId.F_PERMISSION, e.Id);
        Assert.Equal(Sid, e.StreamId);
        Assert.True(e.SubstreamValid);
        Assert.Equal(rig.Pasid, e.SubstreamId);
        Assert.Equal(va + 0x40, e.InputAddress);
        Assert.False(e.Read);                   // RnW = 0: a write
        Assert.False(e.Instruction);            // InD is 0 for a write
        Assert.Equal(FaultClass.Input, e.Class);
        var cpu = new byte[8];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(va + 0x40, cpu, out _));
        Assert.All(cpu, b => Assert.Equal(7, b)); // the terminated write changed nothing
    }

    [Fact]
    public void A_write_after_the_cpu_made_the_page_writable_succeeds_despite_a_read_only_iotlb_entry()
    {
        var rig = new Rig();
        ulong va = rig.MapFilled(1, 7, Protection.Read);
        Assert.True(rig.Device.Read(rig.Pasid, va, new byte[8]).IsOk); // a read-only IOTLB entry

        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(va, Page.Size, Protection.ReadWrite));
        // The PTE becomes writable on the CPU's first write (no PRI here to ask for it); an upgrade
        // needs no IOTLB invalidation, so the read-only entry may still be cached.
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(va + 1, new byte[] { 8 }, out _));

        Assert.True(rig.Device.Write(rig.Pasid, va, new byte[] { 9 }).IsOk); // the walk, not the old entry, decides
        Assert.Equal(9, CpuByte(rig.Mm, va));
        Assert.Empty(rig.Events());
    }

    private static byte CpuByte(AddressSpace mm, ulong va)
    {
        var b = new byte[1];
        Assert.Equal(Errno.Ok, mm.ReadUser(va, b, out _));
        return b[0];
    }
}
