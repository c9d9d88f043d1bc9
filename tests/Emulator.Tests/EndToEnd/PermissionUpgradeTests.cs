using Emulator.Core.Trace.Replay;

namespace Emulator.Tests.EndToEnd;

/// <summary>
/// The mm upgrades a PTE from read-only to writable without a shootdown (COW reuse in
/// AddressSpace.WriteProtectFault, an mprotect upgrade), as Linux does. A device write must then
/// still succeed: the ATC entry lacks W, so the device asks again, and the SMMU must walk again rather
/// than answer from its cached read-only IOTLB entry. Found by the strace importer's DMA probes
/// (the device write failed with NoTranslation).
/// </summary>
public sealed class PermissionUpgradeTests
{
    [Fact]
    public void A_device_write_after_the_other_cow_sharer_exited_succeeds()
    {
        var r = TraceReplayer.Run("cow-reuse.trace",
            "trace 1\ndevice gpu sid=1 ats pri\nprocess p1\nbind gpu p1\n" +
            "mmap p1 0x7f0000100000 0x2000 rw\n" +
            "dma gpu p1 write 0x7f0000100800 0x8 rand:5\n" +
            "fork p1 p2\n" +
            "exit p2\n" +
            "dma gpu p1 write 0x7f0000100800 0x8 rand:9\n" + // Linux: do_wp_page reuses the frame
            "dma gpu p1 read 0x7f0000100800 0x8 => rand:9\n");

        Assert.True(r.Passed, string.Join("\n", r.Failures));
    }

    [Fact]
    public void A_device_write_after_mprotect_makes_a_read_page_writable_succeeds()
    {
        var r = TraceReplayer.Run("mprotect-upgrade.trace",
            "trace 1\ndevice gpu sid=1 ats pri\nprocess p1\nbind gpu p1\n" +
            "mmap p1 0x7f0000100000 0x2000 r\n" +
            "dma gpu p1 read 0x7f0000100800 0x8 => zero\n" + // the ATC now holds a read-only entry
            "mprotect p1 0x7f0000100000 0x2000 rw\n" +
            "dma gpu p1 write 0x7f0000100800 0x8 rand:9\n" +
            "dma gpu p1 read 0x7f0000100800 0x8 => rand:9\n");

        Assert.True(r.Passed, string.Join("\n", r.Failures));
    }
}
