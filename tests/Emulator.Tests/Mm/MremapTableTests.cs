using Emulator.Core;
using Emulator.Core.Memory;
using Emulator.Core.Mm;
using Emulator.Tests.Support;

namespace Emulator.Tests.Mm;

public class MremapTableTests
{
    [Fact]
    public void Move_into_the_old_ranges_page_table_gap_keeps_the_moved_entries()
    {
        var (_, mm) = TestMachines.NewProcess();
        // Alone in its 1 GiB region, so the page tables above it become "empty" once it is gone.
        ulong old = TestMachines.MapTouched(mm, 2, at: 0x40_0000_0000);
        ulong target = 0x40_0020_0000; // the next 2 MiB: another leaf table, same upper tables

        Assert.Equal(Errno.Ok, mm.Mremap(old, 2 * Page.Size, 2 * Page.Size, MremapFlags.MayMove | MremapFlags.Fixed, target, out ulong moved));

        var b = new byte[1];
        Assert.Equal(target, moved);
        Assert.Equal(Errno.Ok, mm.ReadUser(target + Page.Size, b, out _)); // the moved page is still mapped...
        Assert.Equal(2, b[0]); // ...with its data (MapTouched wrote i + 1)
        Assert.True(mm.LeafEntry(target).Present); // its page table survived the table cleanup
    }
}
