using System.Reflection;
using System.Runtime.CompilerServices;
using Emulator.Core.Cpu.Translate;
using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Core.Cpu;

/// <summary>
/// Chaining: a region that exits to a block head (<see cref="ExitContinue"/>: a call, a return, an
/// indirect jump, a branch out of its page) continues straight into the region there, instead of
/// returning to the dispatcher. An exit to a constant target (CALL rel32, a branch or fall-through
/// out of the region) has a link of its own (<see cref="TranslatedRegion.Links"/>), made on its first
/// pass and checked without a lookup afterwards; indirect targets (RET, JMP/CALL through a register
/// or memory), and direct ones not linked yet, go through a small direct-mapped cache keyed by the
/// target's virtual address.
/// </summary>
/// <remarks>
/// An entry or a link is valid exactly as the dispatcher's own code-page check: the TLB's invalidation generation is
/// the one the entry was made under (so the target's virtual page still maps the frame it was
/// decoded from) and the page was not dropped. Chaining sets the current code page as the
/// dispatcher would, so the next region's TLB and self-modifying-code checks are the same as after a
/// dispatcher round trip. The translated code makes the call a tail call; <see cref="MaxChain"/>
/// bounds the depth anyway, so a runtime that does not honour the tail call cannot overflow the stack.
/// </remarks>
public sealed partial class Cpu
{
    private const int ChainEntries = 256;

    /// <summary>Regions entered one from another before the dispatcher is returned to.</summary>
    private const int MaxChain = 64;

    private struct ChainEntry
    {
        public ulong Va;
        public uint Seq;
        public TranslatedRegion? Region;
        public CodePage? Page;
    }

    private readonly ChainEntry[] _chain = new ChainEntry[ChainEntries];
    private int _chainDepth;

    /// <summary>An entry was made since the cache was last cleared.</summary>
    private bool _chainUsed;

    /// <summary>Regions entered straight from another region, without the dispatcher (for tests
    /// and statistics).</summary>
    public long ChainedEntries { get; private set; }

    /// <summary>Of <see cref="ChainedEntries"/>, those through an exit's own link (for tests).</summary>
    internal long LinkedEntries { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChainIndex(ulong va) => (int)((va ^ (va >> 12)) & (ChainEntries - 1));

    /// <summary>Remembers that the dispatcher entered <paramref name="region"/> at <paramref name="rip"/>
    /// on <paramref name="page"/> under TLB generation <see cref="_codeSeq"/>; starts a new chain.</summary>
    private void NoteEntered(ulong rip, TranslatedRegion region, CodePage page)
    {
        ref ChainEntry e = ref _chain[ChainIndex(rip)];
        e.Va = rip;
        e.Seq = _codeSeq;
        e.Region = region;
        e.Page = page;
        _chainDepth = 0;
        _chainUsed = true;
    }

    /// <summary>The region to continue in at <paramref name="rip"/> after a region's
    /// <see cref="ExitContinue"/> (state already written back), or null to return to the dispatcher.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal TranslatedRegion? JitNext(ulong rip)
    {
        if (_chainDepth >= MaxChain || _retired >= _limit)
        {
            return null;
        }
        ref ChainEntry e = ref _chain[ChainIndex(rip)];
        CodePage? page = e.Page;
        if (e.Va != rip || page is null || page.Dead || e.Seq != _tlb.Generation)
        {
            return null;
        }
        SetCodePage(page, rip & ~Page.Mask, e.Seq);
        _chainDepth++;
        ChainedEntries++;
        return e.Region;
    }

    // The address space the translation caches were filled under (see SameAddressSpaceAsLastRun).
    private ulong _runCr3;
    private bool _runPcide;
    private WalkOptions _runOptions;
    private bool _runKnown;

    /// <summary>Counts the address spaces this vCPU has run in (a change of CR3, PCIDE or paging
    /// options between runs): a region's link made under another epoch is stale.</summary>
    private uint _spaceEpoch;

    /// <summary>True when CR3, CR4.PCIDE and the paging options are those of the previous
    /// <see cref="Run"/>, so the micro-TLB, the current code page and the chaining cache may be kept
    /// (their entries are validated by the TLB's invalidation generation as within a run); otherwise records
    /// the new ones.</summary>
    /// <remarks>A CR3 load with PCIDE and the no-flush bit leaves the TLB's invalidation generation alone,
    /// and another process may run on this vCPU next: the caches' tags hold virtual addresses, so
    /// they must not outlive the address space. The scheduler ending a quantum and running the same
    /// thread again (most runs of a busy guest) keeps them.</remarks>
    private bool SameAddressSpaceAsLastRun()
    {
        ulong cr3 = _mmu.Cr3;
        bool pcide = _mmu.Pcide;
        WalkOptions options = _mmu.Options;
        if (_runKnown && cr3 == _runCr3 && pcide == _runPcide && options == _runOptions)
        {
            return true;
        }
        _runCr3 = cr3;
        _runPcide = pcide;
        _runOptions = options;
        _runKnown = true;
        _spaceEpoch++;
        return false;
    }

    /// <summary>The region to continue in after exit <paramref name="link"/> of <paramref name="from"/>
    /// to the constant target <paramref name="rip"/> (state already written back): the link's region
    /// when the link is this vCPU's and still valid, else the chaining cache's (which then becomes
    /// the link), else null to return to the dispatcher.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal TranslatedRegion? JitNextLinked(TranslatedRegion from, int link, ulong rip)
    {
        if (_chainDepth >= MaxChain || _retired >= _limit)
        {
            return null;
        }
        ChainLink? l = Volatile.Read(ref from.Links[link]);
        if (l is not null && l.Owner == this && l.Epoch == _spaceEpoch && !l.Page.Dead && l.Seq == _tlb.Generation)
        {
            SetCodePage(l.Page, rip & ~Page.Mask, l.Seq);
            _chainDepth++;
            ChainedEntries++;
            LinkedEntries++;
            return l.Region;
        }
        TranslatedRegion? next = JitNext(rip);
        if (next is not null && (l is null || l.Owner == this || l.Page.Dead))
        {
            // Another vCPU's live link is left alone: two vCPUs running the same code would
            // otherwise replace each other's link (an allocation) at every pass.
            Volatile.Write(ref from.Links[link], new ChainLink(this, _spaceEpoch, _codeSeq, _codePage!, next));
        }
        return next;
    }

    /// <summary>Forgets every chain entry, at the start of a <see cref="Run"/> in another address
    /// space (as the current code page is forgotten there).</summary>
    private void ClearChain()
    {
        Array.Clear(_chain);
        _chainUsed = false;
    }

    internal static class ChainMembers
    {
        public static readonly MethodInfo Next = typeof(Cpu).GetMethod(nameof(JitNext), BindingFlags.Instance | BindingFlags.NonPublic)!;
        public static readonly MethodInfo NextLinked = typeof(Cpu).GetMethod(nameof(JitNextLinked), BindingFlags.Instance | BindingFlags.NonPublic)!;
        public static readonly FieldInfo Run = typeof(TranslatedRegion).GetField(nameof(TranslatedRegion.Run))!;
        public static readonly MethodInfo Invoke = typeof(TranslatedRegion.Code).GetMethod(nameof(TranslatedRegion.Code.Invoke))!;
    }
}
