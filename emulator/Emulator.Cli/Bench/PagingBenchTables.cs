using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Cli.Bench;

/// <summary>Builds 4-level tables mapping <c>pages</c> consecutive 4 KiB user pages for the paging benchmarks.</summary>
internal static class PagingBenchTables
{
    /// <returns>The root (CR3) physical address.</returns>
    public static ulong Build(PhysicalMemory memory, ulong baseVa, int pages)
    {
        const ulong flags = Pte.PresentBit | Pte.WritableBit | Pte.UserBit;
        ulong next = 0x10_0000;
        ulong root = next;
        next += Page.Size;
        for (int i = 0; i < pages; i++)
        {
            ulong va = baseVa + ((ulong)i << Page.Shift);
            ulong table = root;
            for (int level = 4; level > 1; level--)
            {
                ulong slot = table + (((va >> (3 + 9 * level)) & 511) << 3);
                ulong e = memory.ReadU64(slot);
                if ((e & Pte.PresentBit) == 0)
                {
                    e = next | flags;
                    next += Page.Size;
                    memory.WriteU64(slot, e);
                }
                table = e & Pte.AddressMask4K;
            }
            memory.WriteU64(table + (((va >> Page.Shift) & 511) << 3), (0x200_0000UL + ((ulong)i << Page.Shift)) | flags);
        }
        return root;
    }
}
