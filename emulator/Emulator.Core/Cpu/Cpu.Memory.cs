using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private const int MicroTlbEntries = 64;

    /// <summary>Marks a micro-TLB tag as valid, so the zeroed array never matches page 0.</summary>
    private const ulong MicroValid = 1;

    private readonly ulong _ramSize;
    private readonly MicroTlbEntry[] _readTlb = new MicroTlbEntry[MicroTlbEntries];
    private readonly MicroTlbEntry[] _writeTlb = new MicroTlbEntry[MicroTlbEntries];

    /// <summary>A cached translation: valid while the TLB's invalidation generation equals <see cref="Seq"/>.
    /// It holds the host storage of the page too (<see cref="PhysicalMemory.FrameStorage"/>), so a hit
    /// reaches guest memory without looking the frame up.</summary>
    internal struct MicroTlbEntry
    {
        public ulong Tag;   // va page | MicroValid
        public ulong PaPage;
        public byte[] Host;
        public int HostOffset; // of the page in Host
        public uint Seq;
    }

    /// <summary>A translated data access: the physical address of its first byte and, when it crosses
    /// a page boundary, of the first byte on the second page; for an access within one page that the
    /// micro-TLB served, the host array and offset of its first byte (null otherwise).</summary>
    private readonly struct MemRef(ulong pa0, ulong pa1, int split, byte[]? host = null, int hostOffset = 0)
    {
        public readonly ulong Pa0 = pa0;
        public readonly ulong Pa1 = pa1;

        /// <summary>Bytes on the first page (the access size when it does not cross).</summary>
        public readonly int Split = split;

        public readonly byte[]? Host = host;
        public readonly int HostOffset = hostOffset;
    }

    /// <summary>Eight translated accesses on the stack (a <see cref="MemRef"/> holds an array
    /// reference, so it cannot be stackalloc'ed).</summary>
    [InlineArray(8)]
    private struct MemRefs8
    {
        private MemRef _element;
    }

    /// <summary>At the start of <see cref="Run"/>: forgets the micro-TLB, the current code page and
    /// the chaining cache when the address space may have changed since the last run.</summary>
    private void ResetTranslationCaches()
    {
        if (SameAddressSpaceAsLastRun())
        {
            // Every entry is still checked against the TLB's invalidation generation (and a code page
            // against being dropped) before use, exactly as within one run.
            return;
        }
        Array.Clear(_readTlb);
        Array.Clear(_writeTlb);
        Array.Clear(_recentCode);
        _codePage = null;
        if (_chainUsed)
        {
            // Another address space may be loaded now, and the TLB's invalidation generation need not have moved.
            ClearChain();
        }
    }

    /// <summary>Translates the page of <paramref name="va"/> for a user read or write.</summary>
    /// <returns>false with the exit set (#PF or #GP) when the access faults.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Translate(ulong va, bool write, out ulong pa)
    {
        uint seq = _tlb.Generation;
        ref MicroTlbEntry e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(write ? _writeTlb : _readTlb),
            (int)(va >> Page.Shift) & (MicroTlbEntries - 1));
        if (e.Tag == ((va & ~Page.Mask) | MicroValid) && e.Seq == seq)
        {
            pa = e.PaPage | (va & Page.Mask);
            return true;
        }
        return TranslateSlow(va, write, seq, ref e, out pa);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TranslateSlow(ulong va, bool write, uint seq, ref MicroTlbEntry e, out ulong pa)
    {
        AccessType access = write ? UserWrite : UserRead;
        if (!_mmu.TryTranslate(va, access, out pa, out WalkResult fault))
        {
            return TranslationFault(fault, va, access);
        }
        if (pa >= _ramSize)
        {
            // Device registers are not mapped into user processes in this model.
            return Exit(CpuExitKind.GeneralProtection, va);
        }
        // The translation is known good as of generation `seq` (read before the lookup): an
        // invalidation since then makes the entry stale at once.
        e.Tag = (va & ~Page.Mask) | MicroValid;
        e.PaPage = pa & ~Page.Mask;
        e.Host = _memory.FrameStorage(pa >> Page.Shift, out e.HostOffset);
        e.Seq = seq;
        return true;
    }

    /// <summary>Translates an access of <paramref name="size"/> bytes at <paramref name="va"/>, both
    /// pages when it crosses a boundary, without touching memory.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TranslateMem(ulong va, int size, bool write, out MemRef m)
    {
        uint seq = _tlb.Generation;
        ref MicroTlbEntry e = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(write ? _writeTlb : _readTlb),
            (int)(va >> Page.Shift) & (MicroTlbEntries - 1));
        int offset = (int)(va & Page.Mask);
        if (e.Tag == ((va & ~Page.Mask) | MicroValid) && e.Seq == seq && offset <= Page.Size - size)
        {
            m = new MemRef(e.PaPage | (uint)offset, 0, size, e.Host, e.HostOffset + offset);
            return true;
        }
        return TranslateMemSlow(va, size, write, out m);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TranslateMemSlow(ulong va, int size, bool write, out MemRef m)
    {
        int inPage = Page.Size - (int)(va & Page.Mask);
        if (!Translate(va, write, out ulong pa0))
        {
            m = default;
            return false;
        }
        if (inPage >= size)
        {
            m = new MemRef(pa0, 0, size);
            return true;
        }
        if (!Translate(va + (ulong)inPage, write, out ulong pa1))
        {
            m = default;
            return false;
        }
        m = new MemRef(pa0, pa1, inPage);
        return true;
    }

    /// <summary>Reads <paramref name="size"/> (1, 2, 4 or 8) bytes at <paramref name="va"/>, zero-extended.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Read(ulong va, int size, out ulong value)
    {
        if (!TranslateMem(va, size, write: false, out MemRef m))
        {
            value = 0;
            return false;
        }
        value = Load(m, size);
        return true;
    }

    /// <summary>Writes the low <paramref name="size"/> bytes of <paramref name="value"/> at <paramref name="va"/>.</summary>
    private bool Write(ulong va, int size, ulong value)
    {
        if (!TranslateMem(va, size, write: true, out MemRef m))
        {
            return false;
        }
        Store(m, size, value);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte HostByte(ulong pa) =>
        ref Unsafe.Add(ref MemoryMarshal.GetReference(_memory.Frame(pa >> Page.Shift)), (int)(pa & Page.Mask));

    /// <summary>The host byte of the first byte of <paramref name="m"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref byte HostRef(in MemRef m) => ref m.Host is null
        ? ref HostByte(m.Pa0)
        : ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(m.Host), m.HostOffset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Load(in MemRef m, int size)
    {
        if (m.Split == size)
        {
            ref byte b = ref HostRef(m);
            return size switch
            {
                1 => b,
                2 => Unsafe.ReadUnaligned<ushort>(ref b),
                4 => Unsafe.ReadUnaligned<uint>(ref b),
                _ => Unsafe.ReadUnaligned<ulong>(ref b),
            };
        }
        return LoadSplit(m, size);
    }

    private ulong LoadSplit(in MemRef m, int size)
    {
        ulong value = 0;
        for (int k = 0; k < size; k++)
        {
            ulong pa = k < m.Split ? m.Pa0 + (ulong)k : m.Pa1 + (ulong)(k - m.Split);
            value |= (ulong)HostByte(pa) << (8 * k);
        }
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Store(in MemRef m, int size, ulong value)
    {
        ulong pfn = m.Pa0 >> Page.Shift;
        if ((_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            DropCodePage(pfn);
        }
        if (m.Split == size)
        {
            ref byte b = ref HostRef(m);
            switch (size)
            {
                case 1: b = (byte)value; break;
                case 2: Unsafe.WriteUnaligned(ref b, (ushort)value); break;
                case 4: Unsafe.WriteUnaligned(ref b, (uint)value); break;
                default: Unsafe.WriteUnaligned(ref b, value); break;
            }
            return;
        }
        StoreSplit(m, size, value);
    }

    private void StoreSplit(in MemRef m, int size, ulong value)
    {
        ulong pfn = m.Pa1 >> Page.Shift;
        if ((_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            DropCodePage(pfn);
        }
        for (int k = 0; k < size; k++)
        {
            ulong pa = k < m.Split ? m.Pa0 + (ulong)k : m.Pa1 + (ulong)(k - m.Split);
            HostByte(pa) = (byte)(value >> (8 * k));
        }
    }
}
