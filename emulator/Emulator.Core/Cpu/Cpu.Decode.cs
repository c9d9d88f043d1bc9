using System.Runtime.CompilerServices;
using Emulator.Core.Memory;
using Emulator.Core.Paging;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>Longest x86 instruction.</summary>
    private const int MaxInstructionLength = 15;

    /// <summary>This vCPU's decoded instructions (possibly shared with other vCPUs of one thread).</summary>
    private readonly CodeCache _code;

    /// <summary><see cref="CodeCache.Bits"/>, held here for the store path.</summary>
    private readonly ulong[] _codeBits;

    private readonly BufferCodeReader _reader = new();
    private readonly Decoder _decoder;

    /// <summary>The decode target for an instruction that is not cached (crossing a page, or no cache).</summary>
    private Instruction _scratch;

    /// <summary>Entries of <see cref="_recentCode"/> (a power of two).</summary>
    private const int RecentCodePages = 16;

    /// <summary>A code page that was current, with the virtual page and TLB generation it was
    /// validated under: usable exactly as the current page is (same generation, not dropped).</summary>
    private struct RecentCodePage
    {
        public CodePage? Page;
        public ulong VaPage;
        public uint Seq;
    }

    /// <summary>Recently current code pages, direct-mapped by virtual page, so a transfer back to
    /// one (a call and its return across pages) skips the MMU and the code-cache lookup.</summary>
    private readonly RecentCodePage[] _recentCode = new RecentCodePage[RecentCodePages];

    // The page RIP is in, valid while the TLB's invalidation generation is _codeSeq.
    private CodePage? _codePage;
    private ulong _codeVaPage;
    private uint _codeSeq;

    /// <summary>Makes <paramref name="page"/>, decoded at <paramref name="vaPage"/> and validated
    /// under TLB generation <paramref name="generation"/>, the current code page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetCodePage(CodePage page, ulong vaPage, uint generation)
    {
        _codePage = page;
        _codeVaPage = vaPage;
        _codeSeq = generation;
    }

    /// <summary>
    /// Drops the decoded instructions of every physical page in [<paramref name="pa"/>,
    /// <paramref name="pa"/> + <paramref name="length"/>): call it after writing guest memory other
    /// than through a CPU store (the kernel loading or patching code while the frame stays
    /// allocated, a device DMA-writing to it). Freed frames need no call: the generation check covers them.
    /// </summary>
    /// <remarks>On the thread that runs this vCPU (and every vCPU sharing its <see cref="CodeCache"/>),
    /// or while they are stopped.</remarks>
    public void InvalidateCode(ulong pa, ulong length) => _code.Invalidate(pa, length);

    /// <summary>The decoded-instruction cache this vCPU uses.</summary>
    public CodeCache CodeCache => _code;

    /// <summary>Number of physical pages with cached decoded instructions (for tests and statistics).</summary>
    public int CachedCodePages => _code.Count;

    private void DropCodePage(ulong pfn) => _code.Drop(pfn);

    /// <summary>The instruction at <paramref name="rip"/>, in tier 0's compact form: from the current
    /// code page when the TLB has not changed since it was looked up, else through <see cref="FetchSlow"/>.
    /// <see cref="InstructionOf"/> gives its Iced instruction: an operation is either the scratch
    /// operation or one of the current code page's (<see cref="_codePage"/>).</summary>
    /// <returns>A reference to the operation; when <paramref name="ok"/> is false, the fetch faulted
    /// (the exit fields are set) and the reference is to the scratch operation, whose instruction is
    /// default or partial.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref DecodedOp Fetch(ulong rip, out bool ok)
    {
        CodePage? page = _codePage;
        if (page is not null && (rip & ~Page.Mask) == _codeVaPage && _tlb.Generation == _codeSeq && !page.Dead)
        {
            int slot = page.Slot[(int)(rip & Page.Mask)];
            if (slot != 0)
            {
                ok = true;
                return ref page.Ops[slot - 1];
            }
        }
        return ref FetchSlow(rip, out ok);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ref DecodedOp FetchSlow(ulong rip, out bool ok)
    {
        uint seq = _tlb.Generation;
        ref RecentCodePage recent = ref _recentCode[(int)(rip >> Page.Shift) & (RecentCodePages - 1)];
        if (recent.Page is { Dead: false } known && recent.VaPage == (rip & ~Page.Mask) && recent.Seq == seq)
        {
            // A page that was current lately (the other side of a call or return across pages).
            SetCodePage(known, recent.VaPage, seq);
            int knownSlot = known.Slot[(int)(rip & Page.Mask)];
            if (knownSlot != 0)
            {
                ok = true;
                return ref known.Ops[knownSlot - 1];
            }
        }
        _scratch = default;
        if (!_mmu.TryTranslate(rip, UserExecute, out ulong pa, out WalkResult fault))
        {
            ok = TranslationFault(fault, rip, UserExecute);
            return ref _scratchOp;
        }
        if (pa >= _ramSize)
        {
            ok = Exit(CpuExitKind.GeneralProtection, rip);
            return ref _scratchOp;
        }
        ulong vaPage = rip & ~Page.Mask;
        int offset = (int)(rip & Page.Mask);
        CodePage? page = _frames is null ? null : LookupCodePage(pa >> Page.Shift, vaPage);
        if (page is not null)
        {
            SetCodePage(page, vaPage, seq);
            recent = new RecentCodePage { Page = page, VaPage = vaPage, Seq = seq };
        }
        if (page is not null && page.Slot[offset] != 0)
        {
            ok = true;
            return ref page.Ops[page.Slot[offset] - 1];
        }

        int inPage = Math.Min(MaxInstructionLength, Page.Size - offset);
        _memory.TryRead(pa, _reader.Buffer.AsSpan(0, inPage));
        Decode(rip, inPage);
        if (_decoder.LastError == DecoderError.NoMoreBytes && inPage < MaxInstructionLength)
        {
            // The instruction continues on the next page, which needs its own execute translation.
            ulong next = vaPage + Page.Size;
            if (!_mmu.TryTranslate(next, UserExecute, out ulong pa2, out fault))
            {
                _scratch = default;
                ok = TranslationFault(fault, next, UserExecute);
                return ref _scratchOp;
            }
            if (pa2 >= _ramSize)
            {
                _scratch = default;
                ok = Exit(CpuExitKind.GeneralProtection, next);
                return ref _scratchOp;
            }
            _memory.TryRead(pa2, _reader.Buffer.AsSpan(inPage, MaxInstructionLength - inPage));
            Decode(rip, MaxInstructionLength);
            return ref ScratchOp(out ok);
        }
        if (page is null || _scratch.NextIP - 1 > vaPage + Page.Mask)
        {
            return ref ScratchOp(out ok);
        }
        int index = page.Add(_scratch, offset);
        ok = true;
        return ref page.Ops[index];
    }

    /// <summary>The scratch operation for the instruction just decoded into <see cref="_scratch"/>
    /// (not cached: it runs through the reference handler).</summary>
    private ref DecodedOp ScratchOp(out bool ok)
    {
        _scratchOp = GenericOp(in _scratch, -1);
        ok = true;
        return ref _scratchOp;
    }

    private void Decode(ulong rip, int length)
    {
        _reader.Reset(length);
        _decoder.IP = rip;
        _decoder.Decode(out _scratch);
    }

    private CodePage LookupCodePage(ulong pfn, ulong vaPage) => _code.Lookup(_frames!, pfn, vaPage);

    /// <summary>Feeds the decoder from a 16-byte buffer without allocation.</summary>
    private sealed class BufferCodeReader : CodeReader
    {
        public readonly byte[] Buffer = new byte[16];
        private int _position;
        private int _length;

        public void Reset(int length)
        {
            _position = 0;
            _length = length;
        }

        public override int ReadByte() => _position < _length ? Buffer[_position++] : -1;
    }
}
