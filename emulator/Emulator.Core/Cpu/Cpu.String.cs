using Emulator.Core.Memory;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private enum StringOp : byte { Movs, Stos, Lods, Cmps, Scas }

    /// <summary>
    /// MOVS, STOS, LODS, CMPS, SCAS with or without REP/REPE/REPNE (SDM Vol. 2B REP). With a prefix,
    /// each iteration commits RSI/RDI/RCX before the next one starts, so a fault or an exhausted budget
    /// stops with RIP at the instruction and the registers describing the remaining work, as on
    /// hardware; running again continues. Each iteration counts as one retired instruction.
    /// Only 64-bit addressing is implemented (a 0x67 prefix is #UD).
    /// </summary>
    private bool ExecString(in Instruction i, StringOp op, int size)
    {
        if (i.Op0Kind is OpKind.MemoryESEDI or OpKind.MemorySegESI || i.Op1Kind is OpKind.MemoryESEDI or OpKind.MemorySegESI)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        ulong srcBase = i.SegmentPrefix switch
        {
            Register.FS => _state.FsBase,
            Register.GS => _state.GsBase,
            _ => 0,
        };
        long step = (Flags & DF) != 0 ? -size : size;
        if (!(i.HasRepPrefix || i.HasRepnePrefix))
        {
            return StringStep(op, size, srcBase, step);
        }
        bool compares = op is StringOp.Cmps or StringOp.Scas;
        long done = 0;
        while (_r[1] != 0)
        {
            long room = _limit - _retired - done;
            if (room <= 0)
            {
                _retired += done - 1;
                _state.Rip = i.IP;
                return true;
            }
            long bulk = compares || step < 0 ? 0 : BulkStep(op, size, srcBase, room);
            if (bulk > 0)
            {
                done += bulk;
                continue;
            }
            if (!StringStep(op, size, srcBase, step))
            {
                _retired += done;
                return false;
            }
            _r[1]--;
            done++;
            if (compares && ((Flags & ZF) != 0) == i.HasRepnePrefix)
            {
                break;
            }
        }
        _retired += Math.Max(done - 1, 0);
        return true;
    }

    /// <summary>One iteration; registers change only when every access succeeded.</summary>
    private bool StringStep(StringOp op, int size, ulong srcBase, long step)
    {
        ulong rsi = _r[6];
        ulong rdi = _r[7];
        MemRef src, dst;
        switch (op)
        {
            case StringOp.Movs:
                if (!TranslateMem(srcBase + rsi, size, write: false, out src) || !TranslateMem(rdi, size, write: true, out dst))
                {
                    return false;
                }
                Store(dst, size, Load(src, size));
                _r[6] = rsi + (ulong)step;
                _r[7] = rdi + (ulong)step;
                return true;
            case StringOp.Stos:
                if (!TranslateMem(rdi, size, write: true, out dst))
                {
                    return false;
                }
                Store(dst, size, _r[0]);
                _r[7] = rdi + (ulong)step;
                return true;
            case StringOp.Lods:
                if (!TranslateMem(srcBase + rsi, size, write: false, out src))
                {
                    return false;
                }
                SetReg(AccumulatorOf(size), Load(src, size));
                _r[6] = rsi + (ulong)step;
                return true;
            case StringOp.Cmps:
                if (!TranslateMem(srcBase + rsi, size, write: false, out src) || !TranslateMem(rdi, size, write: false, out dst))
                {
                    return false;
                }
                Alu(AluOp.Cmp, Load(src, size), Load(dst, size), size);
                _r[6] = rsi + (ulong)step;
                _r[7] = rdi + (ulong)step;
                return true;
            default: // Scas
                if (!TranslateMem(rdi, size, write: false, out dst))
                {
                    return false;
                }
                Alu(AluOp.Cmp, _r[0] & Mask(size), Load(dst, size), size);
                _r[7] = rdi + (ulong)step;
                return true;
        }
    }

    private static Register AccumulatorOf(int size) => size switch
    {
        1 => Register.AL,
        2 => Register.AX,
        4 => Register.EAX,
        _ => Register.RAX,
    };

    /// <summary>
    /// Forward REP MOVS/STOS over the elements that lie wholly inside the current source and
    /// destination pages, done as one copy or fill; 0 when it cannot (a fault to report, an element
    /// crossing a page, or an overlapping forward copy inside one frame, whose byte-by-byte result
    /// differs from a memmove). The caller then takes one architectural step.
    /// </summary>
    private long BulkStep(StringOp op, int size, ulong srcBase, long room)
    {
        if (op is not (StringOp.Movs or StringOp.Stos))
        {
            return 0;
        }
        ulong rsi = srcBase + _r[6];
        ulong rdi = _r[7];
        long n = (long)Math.Min(_r[1], (ulong)room);
        n = Math.Min(n, (long)(Page.Size - (rdi & Page.Mask)) / size);
        if (op == StringOp.Movs)
        {
            n = Math.Min(n, (long)(Page.Size - (rsi & Page.Mask)) / size);
        }
        if (n < 2 || !Translate(rdi, write: true, out ulong dstPa))
        {
            return 0;
        }
        int bytes = (int)n * size;
        Span<byte> dst = _memory.Frame(dstPa >> Page.Shift).Slice((int)(dstPa & Page.Mask), bytes);
        if (op == StringOp.Movs)
        {
            if (!Translate(rsi, write: false, out ulong srcPa))
            {
                return 0;
            }
            if (srcPa >> Page.Shift == dstPa >> Page.Shift && dstPa > srcPa && dstPa < srcPa + (ulong)bytes)
            {
                return 0;
            }
            _memory.Frame(srcPa >> Page.Shift).Slice((int)(srcPa & Page.Mask), bytes).CopyTo(dst);
            _r[6] += (ulong)bytes;
        }
        else if (size == 1)
        {
            dst.Fill((byte)_r[0]);
        }
        else
        {
            ulong v = _r[0];
            for (int k = 0; k < bytes; k++)
            {
                dst[k] = (byte)(v >> (8 * (k % size)));
            }
        }
        ulong pfn = dstPa >> Page.Shift;
        if ((_codeBits[pfn >> 6] & (1UL << (int)pfn)) != 0)
        {
            DropCodePage(pfn);
        }
        _r[7] += (ulong)bytes;
        _r[1] -= (ulong)n;
        return n;
    }
}
