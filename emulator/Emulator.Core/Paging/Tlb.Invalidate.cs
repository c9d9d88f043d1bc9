using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core.Memory;

namespace Emulator.Core.Paging;

/// <summary>The invalidation side: selecting and dropping entries under the write protocol.</summary>
public sealed partial class Tlb
{
    /// <summary>Removes the entries that map any byte of [first, last] and are global (when
    /// <paramref name="global"/>) or non-global of <paramref name="pcid"/> (-1: any) when
    /// <paramref name="nonGlobal"/>.</summary>
    private void Invalidate(ulong first, ulong last, int pcid, bool global, bool nonGlobal)
    {
        lock (_lock)
        {
            BeginInvalidation();
            ulong firstPage = first >> Page.Shift;
            ulong lastPage = last >> Page.Shift;
            if (lastPage - firstPage < (ulong)_setMask)
            {
                // Fewer pages than sets: only their sets can hold them.
                for (ulong p = firstPage; ; p++)
                {
                    InvalidateSmall(((int)p & _setMask) * _ways, _ways, first, last, pcid, global, nonGlobal);
                    if (p == lastPage)
                    {
                        break;
                    }
                }
            }
            else
            {
                InvalidateSmall(0, _small.Length, first, last, pcid, global, nonGlobal);
            }

            int used = _largeUsed;
            int highest = 0;
            for (int i = 0; i < used; i++)
            {
                ref Entry e = ref _large[i];
                if (e.Data != 0)
                {
                    ulong size = (e.Data & DataHuge) != 0 ? Page.HugeSize : Page.LargeSize;
                    ulong baseVa = e.Tag & ~(size - 1);
                    if (baseVa <= last && baseVa + (size - 1) >= first && Selected(e, pcid, global, nonGlobal))
                    {
                        Volatile.Write(ref e.Data, 0);
                    }
                    else
                    {
                        highest = i + 1;
                    }
                }
            }
            Volatile.Write(ref _largeUsed, highest);
            EndWrite();
        }
    }

    private void InvalidateSmall(int start, int count, ulong first, ulong last, int pcid, bool global, bool nonGlobal)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        ulong firstPage = first & ~PageOffsetMask;
        for (int i = start; i < start + count; i++)
        {
            ref Entry e = ref _small[i];
            if (e.Data != 0)
            {
                ulong page = e.Tag & ~PageOffsetMask;
                if (page >= firstPage && page <= last && Selected(e, pcid, global, nonGlobal))
                {
                    Volatile.Write(ref e.Data, 0);
                }
            }
        }
    }

    private static bool Selected(in Entry e, int pcid, bool global, bool nonGlobal) =>
        (e.Data & DataGlobal) != 0 ? global : nonGlobal && (pcid < 0 || (int)(e.Tag & PageOffsetMask) == pcid);
}
