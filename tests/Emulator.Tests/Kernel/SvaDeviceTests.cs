using System.Buffers.Binary;
using Emulator.Core;
using Emulator.Core.Iommu;
using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Tests.Kernel;

/// <summary>/dev/sva0 through a real machine: every access of a descriptor goes by DMA through the ATC,
/// ATS and PRI with the process's PASID.</summary>
public class SvaDeviceTests
{
    private const int P = Page.Size;

    [Fact]
    public void Copy_moves_bytes_across_unaligned_page_boundaries()
    {
        var rig = new SvaDeviceRig();
        ulong src = rig.Map(4), dst = rig.Map(4);
        var data = SvaDeviceRig.Counting(3 * P + 100);
        rig.Put(src + 10, data);

        var c = rig.Run(new SvaDescriptor { Op = SvaOp.Copy, Src = src + 10, Dst = dst + 7, Len = (ulong)data.Length });

        Assert.Equal(SvaStatus.Success, c.Status);
        Assert.Equal((ulong)data.Length, c.BytesCompleted);
        Assert.Equal(data, rig.Get(dst + 7, data.Length)); // the CPU sees what the device wrote
        Assert.Equal(new byte[7], rig.Get(dst, 7)); // and nothing before dst
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void Fill_repeats_the_little_endian_pattern_from_dst()
    {
        var rig = new SvaDeviceRig();
        ulong dst = rig.Map(3);

        var c = rig.Run(new SvaDescriptor { Op = SvaOp.Fill, Dst = dst + 3, Len = 2 * P + 5, Pattern = 0x0807_0605_0403_0201 });

        Assert.Equal(SvaStatus.Success, c.Status);
        var got = rig.Get(dst + 3, 2 * P + 5);
        for (int i = 0; i < got.Length; i++)
        {
            Assert.True(got[i] == (i % 8) + 1, $"byte {i}: 0x{got[i]:x2}"); // byte i is pattern byte i mod 8, counted from dst
        }
        Assert.Equal(0, rig.Get(dst + 3 + 2 * P + 5, 1)[0]); // stops at len
    }

    [Fact]
    public void Compare_reports_the_first_difference_or_all_ones()
    {
        var rig = new SvaDeviceRig();
        ulong a = rig.Map(2), b = rig.Map(2);
        var data = SvaDeviceRig.Counting(2 * P);
        rig.Put(a, data);
        rig.Put(b, data);
        var equal = new SvaDescriptor { Op = SvaOp.Compare, Src = a, Dst = b, Len = 2 * P };

        Assert.Equal(ulong.MaxValue, rig.Run(equal).Result); // equal: all-ones
        rig.Put(b + 5000, [0xEE]);
        var c = rig.Run(equal);
        Assert.Equal(SvaStatus.Success, c.Status);
        Assert.Equal(5000UL, c.Result); // the offset of the first differing byte
        Assert.Equal(2UL * P, c.BytesCompleted);
    }

    [Fact]
    public void Crc32c_gives_the_check_value_and_chains()
    {
        var rig = new SvaDeviceRig();
        ulong src = rig.Map(1);
        rig.Put(src, "123456789"u8);

        var whole = rig.Run(new SvaDescriptor { Op = SvaOp.Crc32C, Src = src, Len = 9 });
        var head = rig.Run(new SvaDescriptor { Op = SvaOp.Crc32C, Src = src, Len = 4 });
        var tail = rig.Run(new SvaDescriptor { Op = SvaOp.Crc32C, Src = src + 4, Len = 5, Pattern = head.Result });

        Assert.Equal(0xE306_9283UL, whole.Result); // CRC-32C check value (RFC 3720 §B.4)
        Assert.Equal(whole.Result, tail.Result); // pattern = CRC so far continues it
    }

    [Fact]
    public void An_unmapped_source_page_is_a_page_fault_with_its_address_and_the_bytes_done()
    {
        var rig = new SvaDeviceRig();
        ulong src = rig.Map(3), dst = rig.Map(3);
        rig.Put(src, SvaDeviceRig.Counting(3 * P));
        Assert.Equal(Errno.Ok, rig.Mm.Munmap(src + 2 * P, P)); // the third source page is gone

        var c = rig.Run(new SvaDescriptor { Op = SvaOp.Copy, Src = src, Dst = dst, Len = 3 * P });

        Assert.Equal(SvaStatus.PageFault, c.Status);
        Assert.Equal(src + 2 * P, c.FaultAddr); // the first address the device could not read
        Assert.Equal(2UL * P, c.BytesCompleted); // the two pages before it were copied
        Assert.False(c.FaultWasWrite);
        Assert.Equal(SvaFaultReason.PageRequestRefused, c.FaultReason); // PRI asked, the mm had no page there
        Assert.Equal(SvaDeviceRig.Counting(2 * P), rig.Get(dst, 2 * P));
    }

    [Fact]
    public void A_never_touched_destination_is_paged_in_through_PRI()
    {
        var rig = new SvaDeviceRig();
        ulong dst = rig.Map(4);
        Assert.False(rig.Mm.LeafEntry(dst).Present); // nothing behind it yet
        long priBefore = rig.Dma.PriRequests;

        var c = rig.Run(new SvaDescriptor { Op = SvaOp.Fill, Dst = dst, Len = 4 * P, Pattern = 0x5A5A_5A5A_5A5A_5A5A });

        Assert.Equal(SvaStatus.Success, c.Status);
        Assert.True(rig.Dma.PriRequests >= priBefore + 4, "each page was requested through PRI"); // demand paging by the device
        Assert.All(rig.Get(dst, 4 * P), b => Assert.Equal(0x5A, b));
    }

    [Theory]
    [InlineData(SvaOp.Copy, 0u, 0UL, SvaInvalidReason.Op)]
    [InlineData((SvaOp)9, 0u, 16UL, SvaInvalidReason.Op)]
    [InlineData(SvaOp.Fill, 2u, 16UL, SvaInvalidReason.Flags)]
    [InlineData(SvaOp.Fill, 0u, 0UL, SvaInvalidReason.Length)]
    [InlineData(SvaOp.Fill, 0u, (1UL << 30) + 1, SvaInvalidReason.Length)]
    public void An_invalid_descriptor_completes_INVALID_and_touches_nothing(SvaOp op, uint flags, ulong len, SvaInvalidReason reason)
    {
        var rig = new SvaDeviceRig();
        ulong dst = rig.Map(1);
        rig.Put(dst, [0x77]);
        op = op == SvaOp.Copy ? 0 : op; // InlineData cannot say "op 0" as SvaOp: Copy stands for it

        var c = rig.Run(new SvaDescriptor { Op = op, Flags = flags, Dst = dst, Len = len, Pattern = 0x1111 });

        Assert.Equal(SvaStatus.Invalid, c.Status); // a value, not an exception
        Assert.Equal((ulong)reason, c.Result); // naming the field
        Assert.Equal(0UL, c.BytesCompleted);
        Assert.Equal(0x77, rig.Get(dst, 1)[0]); // nothing was written
    }

    [Fact]
    public void Ioctl_errors_are_negative_errnos_the_Linux_way()
    {
        var rig = new SvaDeviceRig();
        ulong unmapped = 0x7000_0000_0000;

        Assert.Equal(-(long)Errno.EFAULT, rig.File.Ioctl(rig.Mm, SvaAbi.Submit, unmapped)); // the device could not fetch the descriptor
        Assert.Equal(-(long)Errno.ENOTTY, rig.File.Ioctl(rig.Mm, 0x5399, 0)); // unknown command
        Assert.Equal(-(long)Errno.EINVAL, rig.File.Ioctl(rig.Mm, SvaAbi.Bind, 1)); // BIND's argument is reserved
        Assert.Equal(rig.Pasid, rig.File.Ioctl(rig.Mm, SvaAbi.Bind, 0)); // binding again: the same PASID
        Assert.Equal(-(long)Errno.EINVAL, rig.Submit(new SvaDescriptor { Op = SvaOp.Fill, Dst = rig.Map(1), Len = 8, Completion = rig.ControlPage(rig.Mm) + 72 }, out _)); // completion not 32-byte aligned

        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var stranger));
        Assert.Equal(-(long)Errno.EINVAL, rig.File.Ioctl(stranger!, SvaAbi.Submit, 0x10000)); // a process that did not bind

        ulong readOnly = rig.Map(1, prot: Protection.Read);
        ulong dst = rig.Map(1);
        Assert.Equal(-(long)Errno.EFAULT, rig.Submit(new SvaDescriptor { Op = SvaOp.Fill, Dst = dst, Len = 8, Pattern = 0x42, Completion = readOnly }, out _)); // completion unwritable
        Assert.Equal(0x42, rig.Get(dst, 1)[0]); // the operation itself had run
    }

    [Fact]
    public void After_munmap_the_next_submit_faults_and_nothing_stale_is_read()
    {
        var rig = new SvaDeviceRig();
        ulong src = rig.Map(2), dst = rig.Map(2);
        rig.Put(src, SvaDeviceRig.Counting(2 * P));
        var copy = new SvaDescriptor { Op = SvaOp.Copy, Src = src, Dst = dst, Len = 2 * P };
        Assert.Equal(SvaStatus.Success, rig.Run(copy).Status); // the ATC now caches src's translations

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(src, 2 * P));
        var c = rig.Run(copy);

        Assert.Equal(SvaStatus.PageFault, c.Status); // the invalidation reached the ATC: no stale hit
        Assert.Equal(src, c.FaultAddr);
        Assert.Equal(0, rig.Machine.Oracle.Stale); // the oracle saw no access to a freed frame
        Assert.Equal(0, rig.Machine.Oracle.Violations);
    }

    [Fact]
    public void With_the_ATC_invalidation_skipped_the_oracle_catches_the_stale_read()
    {
        var rig = new SvaDeviceRig(FaultInjection.SkipAtcInv);
        ulong src = rig.Map(2), dst = rig.Map(2);
        rig.Put(src, SvaDeviceRig.Counting(2 * P));
        var copy = new SvaDescriptor { Op = SvaOp.Copy, Src = src, Dst = dst, Len = 2 * P };
        Assert.Equal(SvaStatus.Success, rig.Run(copy).Status);

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(src, 2 * P));
        rig.Run(copy); // the buggy driver left src in the ATC: the device reads freed frames

        Assert.True(rig.Machine.Oracle.Stale > 0, "the oracle must fire when the ATC invalidation is skipped"); // negative control
    }

    [Fact]
    public void After_fork_each_process_DMAs_into_its_own_copy()
    {
        var rig = new SvaDeviceRig();
        ulong buf = rig.Map(1);
        rig.Put(buf, Enumerable.Repeat((byte)'A', P).ToArray());
        Assert.Equal(Errno.Ok, rig.Mm.Fork(out var child));
        long childPasid = rig.File.Ioctl(child!, SvaAbi.Bind, 0); // the child shares the fd and binds itself

        Assert.True(childPasid > 0 && childPasid != rig.Pasid, $"child PASID {childPasid}, parent {rig.Pasid}");
        Assert.Equal(SvaStatus.Success, rig.Run(new SvaDescriptor { Op = SvaOp.Fill, Dst = buf, Len = P, Pattern = 0x4242_4242_4242_4242 }, child).Status);
        Assert.All(rig.Get(buf, P, child), b => Assert.Equal((byte)'B', b)); // the child's copy changed (COW broken by the DMA write)
        Assert.All(rig.Get(buf, P), b => Assert.Equal((byte)'A', b)); // the parent's did not

        Assert.Equal(SvaStatus.Success, rig.Run(new SvaDescriptor { Op = SvaOp.Fill, Dst = buf, Len = P, Pattern = 0x4343_4343_4343_4343 }).Status);
        Assert.All(rig.Get(buf, P), b => Assert.Equal((byte)'C', b));
        Assert.All(rig.Get(buf, P, child), b => Assert.Equal((byte)'B', b));
        Assert.Equal(0, rig.Machine.Oracle.Stale);
        Assert.Equal(0, rig.Machine.Oracle.Violations);
    }

    [Fact]
    public void Release_unbinds_every_process_bound_through_the_file()
    {
        var rig = new SvaDeviceRig();
        Assert.Equal(1, rig.Machine.Sva!.Contexts);

        rig.File.Release();

        Assert.Equal(0, rig.Machine.Sva.Contexts); // the last close dropped the bond
        Assert.Equal(-(long)Errno.EBADF, rig.File.Ioctl(rig.Mm, SvaAbi.Bind, 0));
        rig.File.Release(); // idempotent
    }

    [Fact]
    public void The_descriptor_is_fetched_by_the_device_not_copied_by_the_kernel()
    {
        var rig = new SvaDeviceRig();
        ulong dst = rig.Map(1);
        long before = rig.Dma.AtcHits + rig.Dma.AtcMisses;

        rig.Run(new SvaDescriptor { Op = SvaOp.Fill, Dst = dst, Len = 8, Pattern = 1 });

        Assert.Equal(1, rig.Node.Engine.Descriptors);
        Assert.True(rig.Dma.AtcHits + rig.Dma.AtcMisses - before >= 3, "descriptor fetch, fill and completion write all went through the ATC");
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64LittleEndian(rig.Get(dst, 8)));
    }
}
