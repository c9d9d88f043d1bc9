using System.Runtime.CompilerServices;
using Emulator.Core.Memory;

namespace Emulator.Core.Paging;

/// <summary>
/// The x86-64 4-level / 5-level page walker: translates one linear address through page tables in
/// <see cref="PhysicalMemory"/>, with the architectural reserved-bit and access-rights checks, and sets
/// Accessed/Dirty as hardware does.
/// </summary>
/// <remarks>
/// <para>SDM Vol. 3A §4.5 (the walk, Tables 4-15 to 4-20), §4.6 (access rights), §4.7 (page-fault
/// error code), §4.8 (Accessed and Dirty flags).</para>
/// <para>The walker knows nothing of CPUs or processes: the CPU's <see cref="Mmu"/> and the SMMU (for
/// SVA, walking the same tables) both call it with a root, a mode, an access and the control bits.
/// It reads entries with single-copy-atomic 64-bit loads and never takes a lock: the mm changes
/// entries with exchange or compare-and-exchange while walks run.</para>
/// <para><b>Accessed/Dirty.</b> On a successful translation A is set in every entry used and, for a
/// write, D in the leaf, each with a compare-and-exchange loop (hardware uses locked operations).
/// If an entry changed between the read and the update (other than A/D set by another walker), the
/// walk restarts from the root, so A/D are never set in an entry the translation did not use.
/// A faulting walk sets nothing: the bits are set only after every check passed. (Processors may set
/// A in upper-level entries of a walk that then faults; not doing so keeps a faulting access free of
/// side effects, which the mm's fault handler and the tests can rely on.)</para>
/// <para>Hot path: no allocation; the per-level entries live in a stack buffer.</para>
/// </remarks>
public static class PageWalker
{
    /// <summary>Most levels of any mode (5-level paging).</summary>
    public const int MaxLevels = 5;

    private const ulong AccessedDirty = Pte.AccessedBit | Pte.DirtyBit;

    /// <summary>Bits 29:13 of a PDPTE that maps a 1 GiB page: reserved (bit 12 is PAT).</summary>
    private const ulong Reserved1G = 0x3FFF_E000UL;

    /// <summary>Bits 20:13 of a PDE that maps a 2 MiB page: reserved (bit 12 is PAT).</summary>
    private const ulong Reserved2M = 0x001F_E000UL;

    /// <summary>Translates <paramref name="va"/> and sets Accessed/Dirty on success.</summary>
    /// <param name="memory">RAM holding the page tables.</param>
    /// <param name="rootPa">CR3 (or the SMMU's TTB): bits 51:12 locate the top-level table; bits 11:0 are ignored.</param>
    /// <param name="mode">4-level or 5-level paging.</param>
    /// <param name="va">The linear address.</param>
    /// <param name="access">The access being made.</param>
    /// <param name="options">The control bits in force.</param>
    public static WalkResult Walk(PhysicalMemory memory, ulong rootPa, PagingMode mode, ulong va, AccessType access, in WalkOptions options) =>
        Walk(memory, rootPa, mode, va, access, options, setAccessedDirty: true);

    /// <summary>Translates <paramref name="va"/>; with <paramref name="setAccessedDirty"/> false the
    /// walk only reads memory (an inspection walk: debugger, tests, the mm looking at its tables).</summary>
    /// <inheritdoc cref="Walk(PhysicalMemory, ulong, PagingMode, ulong, AccessType, in WalkOptions)"/>
    [SkipLocalsInit]
    public static WalkResult Walk(PhysicalMemory memory, ulong rootPa, PagingMode mode, ulong va, AccessType access,
        in WalkOptions options, bool setAccessedDirty)
    {
        if (!mode.IsCanonical(va))
        {
            return WalkResult.NonCanonical();
        }

        ulong reserved = options.ReservedAddressMask | (options.NoExecuteEnable ? 0 : Pte.NoExecuteBit);
        int top = mode.Levels();
        Span<ulong> entryPas = stackalloc ulong[MaxLevels];
        Span<ulong> entries = stackalloc ulong[MaxLevels];

        while (true)
        {
            ulong table = rootPa & Pte.AddressMask4K;
            ulong and = Pte.WritableBit | Pte.UserBit;
            ulong or = 0;
            int level = top;
            ulong entryPa;
            ulong e;
            while (true)
            {
                entryPa = table + (((va >> (3 + 9 * level)) & 511) << 3);
                if (!memory.TryReadU64(entryPa, out e))
                {
                    return WalkResult.ExternalAbort(level, entryPa);
                }
                if ((e & Pte.PresentBit) == 0)
                {
                    return WalkResult.PageFault(AccessBits(access, options), level, entryPa);
                }
                ulong mustBeZero = reserved;
                bool leaf;
                if (level == 1)
                {
                    leaf = true;
                }
                else if (level >= 4)
                {
                    // PS is reserved in PML5Es and PML4Es (Table 4-15).
                    mustBeZero |= Pte.PageSizeBit;
                    leaf = false;
                }
                else
                {
                    leaf = (e & Pte.PageSizeBit) != 0;
                    if (leaf)
                    {
                        mustBeZero |= level == 3 ? Reserved1G : Reserved2M;
                    }
                }
                if ((e & mustBeZero) != 0)
                {
                    return WalkResult.PageFault(
                        PageFaultErrorCode.Present | PageFaultErrorCode.ReservedBit | AccessBits(access, options), level, entryPa);
                }
                and &= e;
                or |= e;
                entryPas[level - 1] = entryPa;
                entries[level - 1] = e;
                if (leaf)
                {
                    break;
                }
                table = e & Pte.AddressMask4K;
                level--;
            }

            uint rights = 0;
            if ((and & Pte.WritableBit) != 0)
            {
                rights |= Translation.RightWritable;
            }
            if ((and & Pte.UserBit) != 0)
            {
                rights |= Translation.RightUser;
            }
            if (options.NoExecuteEnable && (or & Pte.NoExecuteBit) != 0)
            {
                rights |= Translation.RightNoExecute;
            }
            if (!Permits(rights, access, options))
            {
                return WalkResult.PageFault(PageFaultErrorCode.Present | AccessBits(access, options), level, entryPa);
            }

            if (setAccessedDirty && !SetAccessedDirty(memory, entryPas, entries, top, level, (access & AccessType.Write) != 0))
            {
                continue;
            }

            e = entries[level - 1];
            if ((e & Pte.DirtyBit) != 0)
            {
                rights |= Translation.RightDirty;
            }
            if (options.GlobalPages && (e & Pte.GlobalBit) != 0)
            {
                rights |= Translation.RightGlobal;
            }
            int pageShift = 3 + 9 * level;
            ulong offsetMask = (1UL << pageShift) - 1;
            ulong pa = (e & Pte.AddressMask4K & ~offsetMask) | (va & offsetMask);
            return WalkResult.Ok(new Translation(pa, pageShift, (byte)rights, entryPa, new Pte(e), fromTlb: false));
        }
    }

    /// <summary>
    /// The access-rights check of SDM Vol. 3A §4.6.1 for combined <paramref name="rights"/>
    /// (<see cref="Translation"/>'s W, U and NX bits; D and G are ignored).
    /// </summary>
    /// <remarks>Shared by the walker and the <see cref="Tlb"/>, which applies it on every hit so that
    /// CR0.WP, SMEP and SMAP take effect without a flush, as on hardware.</remarks>
    internal static bool Permits(uint rights, AccessType access, in WalkOptions options)
    {
        bool userPage = (rights & Translation.RightUser) != 0;
        bool user = (access & AccessType.User) != 0;
        if ((access & AccessType.Execute) != 0)
        {
            if (user ? !userPage : userPage && options.Smep)
            {
                return false;
            }
            return (rights & Translation.RightNoExecute) == 0 || !options.NoExecuteEnable;
        }
        bool write = (access & AccessType.Write) != 0;
        bool writable = (rights & Translation.RightWritable) != 0;
        if (user)
        {
            return userPage && (!write || writable);
        }
        if (userPage && options.Smap && (access & AccessType.EflagsAc) == 0)
        {
            return false;
        }
        return !write || writable || !options.WriteProtect;
    }

    /// <summary>The W/R, U/S and I/D error-code bits for <paramref name="access"/> (SDM Vol. 3A §4.7).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static PageFaultErrorCode AccessBits(AccessType access, in WalkOptions options)
    {
        var code = PageFaultErrorCode.None;
        if ((access & AccessType.Write) != 0)
        {
            code |= PageFaultErrorCode.Write;
        }
        if ((access & AccessType.User) != 0)
        {
            code |= PageFaultErrorCode.User;
        }
        if ((access & AccessType.Execute) != 0 && (options.NoExecuteEnable || options.Smep))
        {
            code |= PageFaultErrorCode.InstructionFetch;
        }
        return code;
    }

    /// <summary>Sets A in entries top..leaf and, for a write, D in the leaf.</summary>
    /// <returns>false when an entry changed since it was read: the caller restarts the walk.</returns>
    private static bool SetAccessedDirty(PhysicalMemory memory, Span<ulong> entryPas, Span<ulong> entries, int top, int leafLevel, bool write)
    {
        for (int level = top; level >= leafLevel; level--)
        {
            ulong want = level == leafLevel && write ? AccessedDirty : Pte.AccessedBit;
            ulong seen = entries[level - 1];
            ulong current = seen;
            while ((current & want) != want)
            {
                ulong previous = memory.CompareExchangeU64(entryPas[level - 1], current | want, current);
                if (previous == current)
                {
                    current |= want;
                    break;
                }
                if ((previous & ~AccessedDirty) != (seen & ~AccessedDirty))
                {
                    return false;
                }
                current = previous;
            }
            entries[level - 1] = current;
        }
        return true;
    }
}
