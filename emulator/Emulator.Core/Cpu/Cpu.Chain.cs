using System.Reflection;
using System.Runtime.CompilerServices;
using Emulator.Core.Cpu.Translate;
using Emulator.Core.Memory;

namespace Emulator.Core.Cpu;

/// <summary>
/// Chaining: a region that exits to a block head (<see cref="ExitContinue"/>: a call, a return, an
/// indirect jump, a branch out of its page) continues straight into the region there when this
/// small direct-mapped cache knows it, instead of returning to the dispatcher. Direct and indirect
/// targets (RET, JMP/CALL through a register or memory) use the same cache, keyed by the target's
/// virtual address.
/// </summary>
/// <remarks>
/// An entry is valid exactly as the dispatcher's own code-page check: the TLB's sequence number is
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChainIndex(ulong va) => (int)((va ^ (va >> 12)) & (ChainEntries - 1));

    /// <summary>Remembers that the dispatcher entered <paramref name="region"/> at <paramref name="rip"/>
    /// on <paramref name="page"/> under TLB sequence <see cref="_codeSeq"/>; starts a new chain.</summary>
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
    internal TranslatedRegion? JitNext(ulong rip)
    {
        if (_chainDepth >= MaxChain || _retired >= _limit)
        {
            return null;
        }
        ref ChainEntry e = ref _chain[ChainIndex(rip)];
        CodePage? page = e.Page;
        if (e.Va != rip || page is null || page.Dead || e.Seq != _tlb.BeginFill())
        {
            return null;
        }
        _codePage = page;
        _codeVaPage = rip & ~Page.Mask;
        _codeSeq = e.Seq;
        _chainDepth++;
        ChainedEntries++;
        return e.Region;
    }

    /// <summary>Forgets every chain entry, at the start of <see cref="Run"/> (as the current code
    /// page is forgotten there: CR3 may have changed between runs).</summary>
    private void ClearChain()
    {
        Array.Clear(_chain);
        _chainUsed = false;
    }

    internal static class ChainMembers
    {
        public static readonly MethodInfo Next = typeof(Cpu).GetMethod(nameof(JitNext), BindingFlags.Instance | BindingFlags.NonPublic)!;
        public static readonly FieldInfo Run = typeof(TranslatedRegion).GetField(nameof(TranslatedRegion.Run))!;
        public static readonly MethodInfo Invoke = typeof(TranslatedRegion.Code).GetMethod(nameof(TranslatedRegion.Code.Invoke))!;
    }
}
