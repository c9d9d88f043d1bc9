using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// mremap. The trace's <c>mremap</c> resizes in place without <c>to=</c> and moves with it
/// (MREMAP_MAYMOVE|MREMAP_FIXED), so a real call that stayed put is written without <c>to=</c> and one
/// that moved is written with <c>to=</c> its result. MREMAP_DONTUNMAP (the old range stays mapped,
/// empty) is the move followed by an <c>mmap</c> of the old range.
/// </summary>
internal sealed partial class StraceConverter
{
    private void Mremap(ProcessModel p, in StraceCall call, ref ulong touchedStart, ref ulong touchedEnd)
    {
        ulong old = call.Address;
        bool fixedTarget = (call.MremapFlags & MremapFlags.Fixed) != 0;
        if (!call.Succeeded)
        {
            ulong? to = fixedTarget ? call.NewAddress : null;
            EmitFailure(new MremapStatement(p.Name, old, call.Length, call.NewLength, to), PredictMremap(p, old, call.Length, call.NewLength, to), call);
            return;
        }
        ulong target = call.ReturnValue;
        if ((old & PageMask) != 0 || (target & PageMask) != 0 || call.NewLength == 0 ||
            !TryAlignUp(call.Length, out ulong oldSize) || !TryAlignUp(call.NewLength, out ulong newSize) ||
            !InUserRange(target, newSize) || !InUserRange(old, oldSize))
        {
            Count(StraceApproximation.SuccessRefused);
            return;
        }
        ulong oldEnd = old + oldSize;
        if (oldSize == 0)
        {
            // A duplicate of a shared mapping: the model has no way to share the pages.
            var prot = p.Regions.TryFind(old, out var original) ? original.Prot : Protection.ReadWrite;
            Remap(p, old, 0, target, newSize, prot, shared: true);
            (touchedStart, touchedEnd) = (target, target + newSize);
            return;
        }
        if (!Adopt(p, old, oldEnd, Protection.ReadWrite))
        {
            Count(StraceApproximation.SuccessRefused);
            return;
        }
        bool dontUnmap = (call.MremapFlags & MremapFlags.DontUnmap) != 0;
        if (!p.Regions.InOneRegion(old, oldEnd, out var source))
        {
            p.Regions.TryFind(old, out var first);
            Remap(p, old, oldSize, target, newSize, first.Prot, first.Shared);
            (touchedStart, touchedEnd) = (old, oldEnd);
            return;
        }
        if (target == old && !dontUnmap)
        {
            ulong newEnd = old + newSize;
            if (newEnd > oldEnd && !p.Regions.IsFree(oldEnd, newEnd))
            {
                Count(StraceApproximation.StaleOverlap);
                Emit(new MunmapStatement(p.Name, oldEnd, newEnd - oldEnd));
                Unmap(p, oldEnd, newEnd);
            }
            Emit(new MremapStatement(p.Name, old, oldSize, newSize));
            if (newEnd < oldEnd)
            {
                Unmap(p, newEnd, oldEnd);
            }
            else if (newEnd > oldEnd)
            {
                p.Regions.Map(source.Slice(old, newEnd) with { Start = oldEnd, PgOff = source.Shared ? source.PgOff + ((oldEnd - source.Start) >> Page.Shift) : 0 });
            }
            (touchedStart, touchedEnd) = (old, Math.Max(oldEnd, newEnd));
            return;
        }
        if (target < oldEnd && old < target + newSize)
        {
            Remap(p, old, oldSize, target, newSize, source.Prot, source.Shared); // the emulated move refuses overlap
            (touchedStart, touchedEnd) = (old, oldEnd);
            return;
        }
        if (!p.Regions.IsFree(target, target + newSize) && !fixedTarget)
        {
            Count(StraceApproximation.StaleOverlap);
        }
        Emit(new MremapStatement(p.Name, old, oldSize, newSize, target));
        Move(p, source, old, oldSize, target, newSize);
        if (dontUnmap)
        {
            bool shared = source.Shared;
            Emit(new MmapStatement(p.Name, old, oldSize, source.Prot, shared));
            p.Regions.Map(new Region(old, oldEnd, source.Prot, shared ? ++_nextSharedId : 0, 0));
        }
        (touchedStart, touchedEnd) = (old, oldEnd);
    }

    /// <summary>The emulated move: the target range is cleared, the old range's first
    /// min(old, new) bytes move there with their data, and the mapping there is NEWSIZE long.</summary>
    private void Move(ProcessModel p, in Region source, ulong old, ulong oldSize, ulong target, ulong newSize)
    {
        Unmap(p, target, target + newSize);
        ulong moveSize = Math.Min(oldSize, newSize);
        _moved.Clear();
        foreach (var kv in p.Contents)
        {
            if (kv.Key >= old && kv.Key < old + moveSize)
            {
                _moved.Add(kv);
            }
        }
        Unmap(p, old, old + oldSize);
        foreach (var kv in _moved)
        {
            p.Contents[kv.Key - old + target] = kv.Value;
        }
        ulong pgoff = source.Shared ? source.PgOff + ((old - source.Start) >> Page.Shift) : 0;
        p.Regions.Map(new Region(target, target + newSize, source.Prot, source.SharedId, pgoff));
    }

    /// <summary>An mremap the emulated one cannot repeat: munmap of the old range, mmap of the new
    /// (its data is not carried over; the model forgets it too).</summary>
    private void Remap(ProcessModel p, ulong old, ulong oldSize, ulong target, ulong newSize, Protection prot, bool shared)
    {
        Count(StraceApproximation.MremapAsRemap);
        if (oldSize > 0)
        {
            Emit(new MunmapStatement(p.Name, old, oldSize));
            Unmap(p, old, old + oldSize);
        }
        if (!p.Regions.IsFree(target, target + newSize))
        {
            Emit(new MunmapStatement(p.Name, target, newSize));
            Unmap(p, target, target + newSize);
        }
        Emit(new MmapStatement(p.Name, target, newSize, prot, shared));
        p.Regions.Map(new Region(target, target + newSize, prot, shared ? ++_nextSharedId : 0, 0));
    }

    /// <summary>The emulated <c>mremap</c> of a trace: in place without <paramref name="to"/>,
    /// MREMAP_MAYMOVE|MREMAP_FIXED with it (AddressSpace.Mremap's checks, in its order; running out
    /// of frames is not predicted).</summary>
    private Errno PredictMremap(ProcessModel p, ulong old, ulong oldLength, ulong newLength, ulong? to)
    {
        if ((old & PageMask) != 0 || !TryAlignUp(oldLength, out ulong oldSize) || !TryAlignUp(newLength, out ulong newSize) ||
            newSize == 0 || oldSize == 0)
        {
            return Errno.EINVAL;
        }
        if (to is ulong target && ((target & PageMask) != 0 || !InUserRange(target, newSize) ||
            (target < old + oldSize && old < target + newSize)))
        {
            return Errno.EINVAL;
        }
        if (old > ulong.MaxValue - oldSize || !p.Regions.InOneRegion(old, old + oldSize, out var vma))
        {
            return Errno.EFAULT;
        }
        if (to is not null || newSize <= oldSize)
        {
            return Errno.Ok;
        }
        ulong oldEnd = old + oldSize;
        ulong grow = newSize - oldSize;
        return oldEnd == vma.End && InUserRange(oldEnd, grow) && p.Regions.IsFree(oldEnd, oldEnd + grow) ? Errno.Ok : Errno.ENOMEM;
    }
}
