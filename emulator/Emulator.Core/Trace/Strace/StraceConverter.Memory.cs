using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// Memory calls. Each successful call becomes the statements that leave the emulated mm as the call
/// left the real one; each failed call is written with its errno only when the emulated mm, given
/// the same arguments, fails with that errno (the <c>Predict*</c> methods mirror
/// <see cref="AddressSpace"/>'s checks, in its order).
/// </summary>
internal sealed partial class StraceConverter
{
    private const ulong PageMask = Page.Size - 1;

    private void Memory(ProcessModel p, in StraceCall call)
    {
        Declare(p);
        if (call.ReturnKind == StraceReturnKind.Unknown)
        {
            Count(StraceApproximation.UnknownResult);
            return;
        }
        if (call.OtherProtectionBits)
        {
            Count(StraceApproximation.ProtectionBitsDropped);
        }
        int before = _out.Count;
        ulong touchedStart = 0, touchedEnd = 0;
        switch (call.Syscall)
        {
            case StraceSyscall.Mmap: Mmap(p, call, ref touchedStart, ref touchedEnd); break;
            case StraceSyscall.Munmap: Munmap(p, call, ref touchedStart, ref touchedEnd); break;
            case StraceSyscall.Mprotect: Mprotect(p, call, ref touchedStart, ref touchedEnd); break;
            case StraceSyscall.Madvise: Madvise(p, call, ref touchedStart, ref touchedEnd); break;
            case StraceSyscall.Mremap: Mremap(p, call, ref touchedStart, ref touchedEnd); break;
            case StraceSyscall.Brk: Brk(p, call, ref touchedStart, ref touchedEnd); break;
        }
        if (_out.Count > before && Device is not null && _options.DmaProbes > 0)
        {
            Probe(p, touchedStart, touchedEnd);
        }
    }

    private void Mmap(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        bool fixedAddress = (call.MapFlags & (MapFlags.Fixed | MapFlags.FixedNoReplace)) != 0;
        bool shared = (call.MapFlags & MapFlags.Shared) != 0;
        if (!call.Succeeded)
        {
            if (call.Address == 0 && !fixedAddress)
            {
                Count(StraceApproximation.FailedMmapWithoutAddress);
                return;
            }
            EmitFailure(new MmapStatement(p.Name, call.Address, call.Length, call.Protection, shared), PredictMmap(p, call.Address, call.Length), call);
            return;
        }
        ulong va = call.ReturnValue;
        if (PredictMmap(p, va, call.Length) is not (Errno.Ok or Errno.EEXIST))
        {
            Count(StraceApproximation.SuccessRefused);
            return;
        }
        ulong end = va + AlignUp(call.Length);
        if (!p.Regions.IsFree(va, end))
        {
            if (!fixedAddress)
            {
                Count(StraceApproximation.StaleOverlap);
            }
            Emit(new MunmapStatement(p.Name, va, end - va));
            Unmap(p, va, end);
        }
        Emit(new MmapStatement(p.Name, va, end - va, call.Protection, shared));
        p.Regions.Map(new Region(va, end, call.Protection, shared ? ++_nextSharedId : 0, 0));
        touchedStart = va;
        touchedEnd = end;
    }

    private void Munmap(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        var predicted = PredictMunmap(call.Address, call.Length);
        if (!call.Succeeded)
        {
            EmitFailure(new MunmapStatement(p.Name, call.Address, call.Length), predicted, call);
            return;
        }
        if (predicted != Errno.Ok)
        {
            Count(StraceApproximation.SuccessRefused);
            return;
        }
        ulong end = call.Address + AlignUp(call.Length);
        Emit(new MunmapStatement(p.Name, call.Address, end - call.Address));
        Unmap(p, call.Address, end);
        touchedStart = call.Address;
        touchedEnd = end;
    }

    private void Mprotect(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        var predicted = PredictRange(p, call.Address, call.Length, Errno.ENOMEM, Errno.ENOMEM);
        if (!call.Succeeded)
        {
            EmitFailure(new MprotectStatement(p.Name, call.Address, call.Length, call.Protection), predicted, call);
            return;
        }
        if (predicted is not (Errno.Ok or Errno.ENOMEM) || call.Length == 0 || Wraps(call.Address, call.Length)
            || !Adopt(p, call.Address, call.Address + AlignUp(call.Length), call.Protection))
        {
            if (call.Length != 0)
            {
                Count(StraceApproximation.SuccessRefused);
            }
            return;
        }
        ulong end = call.Address + AlignUp(call.Length);
        Emit(new MprotectStatement(p.Name, call.Address, end - call.Address, call.Protection));
        p.Regions.Protect(call.Address, end, call.Protection);
        touchedStart = call.Address;
        touchedEnd = end;
    }

    private void Madvise(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        if (call.Advice is not (Advice.DontNeed or Advice.Free))
        {
            Count(StraceApproximation.AdviceDropped);
            return;
        }
        var predicted = PredictRange(p, call.Address, call.Length, Errno.EINVAL, Errno.ENOMEM);
        ulong end = call.Address + AlignUp(call.Length);
        if (!call.Succeeded)
        {
            // The emulated madvise drops the mapped pages even when it fails for a hole.
            if (EmitFailure(new MadviseStatement(p.Name, call.Address, call.Length, Advice.DontNeed), predicted, call) && predicted == Errno.ENOMEM)
            {
                ForgetContents(p, call.Address, end);
            }
            return;
        }
        if (predicted is not (Errno.Ok or Errno.ENOMEM) || call.Length == 0 || Wraps(call.Address, call.Length)
            || !Adopt(p, call.Address, end, Protection.ReadWrite))
        {
            if (call.Length != 0)
            {
                Count(StraceApproximation.SuccessRefused);
            }
            return;
        }
        Emit(new MadviseStatement(p.Name, call.Address, end - call.Address, Advice.DontNeed));
        ForgetContents(p, call.Address, end);
        touchedStart = call.Address;
        touchedEnd = end;
    }

    private void Brk(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        if (!call.Succeeded)
        {
            Count(StraceApproximation.UnknownResult);
            return;
        }
        ulong result = call.ReturnValue;
        if (call.Address == 0)
        {
            p.HeapKnown = true; // the first brk(NULL) is the initial break; a later one resynchronises
            p.Break = result;
            return;
        }
        if (result != call.Address)
        {
            Count(StraceApproximation.BrkFailed);
            p.Break = p.HeapKnown ? result : p.Break;
            return;
        }
        if (!p.HeapKnown)
        {
            Count(StraceApproximation.BrkUnknownBase);
            p.HeapKnown = true;
            p.Break = result;
            return;
        }
        // The emulated mm's own brk starts at a fixed address (AddressSpaceOptions.BrkStart), not at
        // the real, randomised one: the heap is written as the mmap/munmap of its pages instead.
        // A break outside the user address space (a damaged or hand-made log) has no pages to write:
        // the call is dropped, never written as a munmap the replay would refuse (found by the fuzzer).
        if (!TryAlignUp(p.Break, out ulong oldEnd) || !TryAlignUp(result, out ulong newEnd)
            || oldEnd > _mm.UserEnd || newEnd > _mm.UserEnd)
        {
            Count(StraceApproximation.BrkOutsideAddressSpace);
            p.Break = result;
            return;
        }
        if (newEnd > oldEnd)
        {
            if (PredictMmap(p, oldEnd, newEnd - oldEnd) is not (Errno.Ok or Errno.EEXIST))
            {
                Count(StraceApproximation.SuccessRefused);
                return;
            }
            if (!p.Regions.IsFree(oldEnd, newEnd))
            {
                Count(StraceApproximation.StaleOverlap);
                Emit(new MunmapStatement(p.Name, oldEnd, newEnd - oldEnd));
                Unmap(p, oldEnd, newEnd);
            }
            Emit(new MmapStatement(p.Name, oldEnd, newEnd - oldEnd, Protection.ReadWrite));
            p.Regions.Map(new Region(oldEnd, newEnd, Protection.ReadWrite, 0, 0));
            (touchedStart, touchedEnd) = (oldEnd, newEnd);
        }
        else if (newEnd < oldEnd)
        {
            if (PredictMunmap(newEnd, oldEnd - newEnd) != Errno.Ok)
            {
                Count(StraceApproximation.SuccessRefused);
                p.Break = result;
                return;
            }
            Emit(new MunmapStatement(p.Name, newEnd, oldEnd - newEnd));
            Unmap(p, newEnd, oldEnd);
            (touchedStart, touchedEnd) = (newEnd, oldEnd);
        }
        p.Break = result;
    }

    /// <summary>A successful call on [start, end) proves its pages exist; those the model lacks
    /// (mapped by the kernel: the executable, ld.so, the stack) are mapped first.</summary>
    /// <returns>false when a hole cannot be mapped on the emulated mm.</returns>
    private bool Adopt(ProcessModel p, ulong start, ulong end, Protection prot)
    {
        _holes.Clear();
        p.Regions.Holes(start, end, _holes);
        if (_holes.Count == 0)
        {
            return true;
        }
        foreach (var (s, e) in _holes)
        {
            if (PredictMmap(p, s, e - s) != Errno.Ok)
            {
                return false;
            }
        }
        Count(StraceApproximation.AdoptedPages);
        foreach (var (s, e) in _holes)
        {
            Emit(new MmapStatement(p.Name, s, e - s, prot));
            p.Regions.Map(new Region(s, e, prot, 0, 0));
        }
        return true;
    }

    /// <summary>Writes a failed call: <c>=&gt; error E</c> when the emulated mm fails it with the same
    /// errno, <c>=&gt; any</c> when it fails it otherwise; drops it when the emulated mm would succeed.</summary>
    /// <returns>true when a statement was written.</returns>
    private bool EmitFailure(ActionStatement statement, Errno predicted, in StraceCall call)
    {
        if (predicted == Errno.Ok)
        {
            Count(StraceApproximation.FailureDropped);
            return false;
        }
        if (call.ReturnKind == StraceReturnKind.Error && call.Error == predicted)
        {
            Emit(statement with { Result = ExpectedResult.Fails(predicted) });
        }
        else
        {
            Count(StraceApproximation.FailureOtherErrno);
            Emit(statement with { Result = ExpectedResult.Any });
        }
        return true;
    }

    private void Emit(Statement statement) => _out.Add(statement);

    /// <summary>The emulated trace <c>mmap</c> (anonymous, MAP_FIXED_NOREPLACE at <paramref name="va"/>).</summary>
    private Errno PredictMmap(ProcessModel p, ulong va, ulong length)
    {
        if (length == 0)
        {
            return Errno.EINVAL;
        }
        if (!TryAlignUp(length, out ulong size))
        {
            return Errno.ENOMEM;
        }
        if ((va & PageMask) != 0)
        {
            return Errno.EINVAL;
        }
        if (va < _mm.MmapMin)
        {
            return Errno.EPERM;
        }
        if (!InUserRange(va, size))
        {
            return Errno.ENOMEM;
        }
        return p.Regions.IsFree(va, va + size) ? Errno.Ok : Errno.EEXIST;
    }

    private Errno PredictMunmap(ulong va, ulong length)
    {
        if ((va & PageMask) != 0 || length == 0 || !TryAlignUp(length, out ulong size))
        {
            return Errno.EINVAL;
        }
        ulong userEnd = _mm.UserEnd;
        return va > userEnd || size > userEnd - va ? Errno.EINVAL : Errno.Ok;
    }

    /// <summary>mprotect and madvise: EINVAL unaligned, Ok for length 0, then
    /// <paramref name="overflow"/> when the range wraps, <paramref name="hole"/> when part is unmapped.</summary>
    private static Errno PredictRange(ProcessModel p, ulong va, ulong length, Errno overflow, Errno hole)
    {
        if ((va & PageMask) != 0)
        {
            return Errno.EINVAL;
        }
        if (length == 0)
        {
            return Errno.Ok;
        }
        if (!TryAlignUp(length, out ulong size) || va > ulong.MaxValue - size)
        {
            return overflow;
        }
        return p.Regions.IsMapped(va, va + size) ? Errno.Ok : hole;
    }

    /// <summary>True when [va, va + length rounded up to pages) wraps past 2⁶⁴ (its ENOMEM is the
    /// overflow's, not a hole's: a successful call with it is not one the model can repeat).</summary>
    private static bool Wraps(ulong va, ulong length) => !TryAlignUp(length, out ulong size) || va > ulong.MaxValue - size;

    private bool InUserRange(ulong start, ulong length) =>
        start >= _mm.MmapMin && length <= _mm.UserEnd && start <= _mm.UserEnd - length;

    private static bool TryAlignUp(ulong length, out ulong aligned)
    {
        if (length > ulong.MaxValue - PageMask)
        {
            aligned = 0;
            return false;
        }
        aligned = (length + PageMask) & ~PageMask;
        return true;
    }

    /// <summary>Rounds up to whole pages; only called once a Predict* has ruled out overflow.</summary>
    private static ulong AlignUp(ulong length) => TryAlignUp(length, out ulong aligned) ? aligned : 0;

    private void Unmap(ProcessModel p, ulong start, ulong end)
    {
        p.Regions.Unmap(start, end);
        ForgetContents(p, start, end);
    }

    /// <summary>The probed data in [start, end) is gone (unmapped, or dropped by madvise).</summary>
    private void ForgetContents(ProcessModel p, ulong start, ulong end)
    {
        var contents = p.Contents;
        if (contents.Count == 0)
        {
            return;
        }
        if ((end - start) >> Page.Shift <= (ulong)contents.Count)
        {
            for (ulong va = start; va < end; va += Page.Size)
            {
                contents.Remove(va);
            }
            return;
        }
        _moved.Clear();
        foreach (var kv in contents)
        {
            if (kv.Key >= start && kv.Key < end)
            {
                _moved.Add(kv);
            }
        }
        foreach (var kv in _moved)
        {
            contents.Remove(kv.Key);
        }
    }
}
