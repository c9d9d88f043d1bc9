using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>x87 loads, stores and register moves (SDM Vol. 2A FLD, FILD, FBLD, FLD1.., FST/FSTP, FIST/FISTP,
/// FISTTP, FBSTP, FXCH, FCMOVcc, FFREE, FDECSTP, FINCSTP).</summary>
public sealed partial class Cpu
{
    /// <summary>FLD m32/m64/m80/ST(i), FILD m16/m32/m64, FBLD m80: converts exactly and pushes. A full
    /// stack (ST(7) in use) is #IS overflow: the indefinite is pushed when IE is masked.</summary>
    private bool ExecFld(in Instruction i)
    {
        X87Context c = X87Ctx();
        ulong ea = 0;
        Ext80 v;
        Span<byte> b = stackalloc byte[10];
        ulong raw;
        switch (i.Code)
        {
            case Code.Fld_sti:
                int idx = StIndex(i, 0);
                v = St(idx);
                if (StEmpty(idx))
                {
                    StackFault(ref c, overflow: false);
                    v = Ext80.Indefinite;
                }
                break;
            case Code.Fld_m32fp:
                if (!Read(ea = Ea(i), 4, out raw))
                {
                    return false;
                }
                v = SoftFloat80.FromSingle((uint)raw, ref c);
                break;
            case Code.Fld_m64fp:
                if (!Read(ea = Ea(i), 8, out raw))
                {
                    return false;
                }
                v = SoftFloat80.FromDouble(raw, ref c);
                break;
            case Code.Fld_m80fp:
            case Code.Fbld_m80bcd:
                if (!ReadBytes(ea = Ea(i), b))
                {
                    return false;
                }
                v = i.Code == Code.Fbld_m80bcd ? SoftFloat80.FromBcd(b) : Ext80.Read(b);
                break;
            case Code.Fild_m16int:
                if (!Read(ea = Ea(i), 2, out raw))
                {
                    return false;
                }
                v = SoftFloat80.FromInt64((short)raw);
                break;
            case Code.Fild_m32int:
                if (!Read(ea = Ea(i), 4, out raw))
                {
                    return false;
                }
                v = SoftFloat80.FromInt64((int)raw);
                break;
            case Code.Fild_m64int:
                if (!Read(ea = Ea(i), 8, out raw))
                {
                    return false;
                }
                v = SoftFloat80.FromInt64((long)raw);
                break;
            default:
                return Exit(CpuExitKind.InvalidOpcode);
        }
        X87PushResult(i, ea, v, ref c);
        return true;
    }

    /// <summary>Pushes <paramref name="v"/> unless the stack is full (#IS) or the conversion raised an
    /// unmasked #IA/#D; commits the flags (C1 = 1 only for a stack overflow).</summary>
    private void X87PushResult(in Instruction i, ulong ea, Ext80 v, ref X87Context c)
    {
        if (X87PushOverflows)
        {
            c.Flags &= ~(X87Exceptions.Invalid | X87Exceptions.Denormal);
            StackFault(ref c, overflow: true);
            v = Ext80.Indefinite;
        }
        // An unmasked #D does not stop a load (the host pushes the value); an unmasked #IA does.
        if ((c.Unmasked & X87Exceptions.Invalid) == 0)
        {
            X87Push(v);
        }
        X87Record(i, ea);
        X87Commit(c.Flags);
    }

    /// <summary>FLD1, FLDZ, FLDPI, FLDL2E, FLDL2T, FLDLG2, FLDLN2: the constant rounded by RC.</summary>
    private bool ExecFldConstant(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        X87Constant k = m switch
        {
            Mnemonic.Fld1 => X87Constant.One,
            Mnemonic.Fldz => X87Constant.Zero,
            Mnemonic.Fldpi => X87Constant.Pi,
            Mnemonic.Fldl2e => X87Constant.Log2E,
            Mnemonic.Fldl2t => X87Constant.Log2Ten,
            Mnemonic.Fldlg2 => X87Constant.Log10Two,
            _ => X87Constant.LnTwo,
        };
        X87PushResult(i, 0, SoftFloat80.Constant(k, c.Rounding), ref c);
        return true;
    }

    /// <summary>ST(0) for a store: on an empty ST(0), #IS underflow and the indefinite (or, unmasked,
    /// null: nothing is stored and nothing popped).</summary>
    private Ext80? X87StoreSource(ref X87Context c)
    {
        if (!StEmpty(0))
        {
            return St(0);
        }
        StackFault(ref c, overflow: false);
        return X87InvalidMasked ? Ext80.Indefinite : null;
    }

    /// <summary>FST/FSTP m32/m64/m80/ST(i): converts ST(0) by RC and stores it, then pops for FSTP. An
    /// unmasked #IA/#D/#O/#U stores nothing and does not pop (SDM Vol. 1 §8.5.4–§8.5.5).</summary>
    private bool ExecFst(in Instruction i, bool pop)
    {
        X87Context c = X87Ctx();
        Ext80? source = X87StoreSource(ref c);
        ulong ea = 0;
        if (source is Ext80 v)
        {
            bool empty = StEmpty(0);
            int size = 0;
            ulong bits = 0;
            switch (i.Code)
            {
                case Code.Fst_sti: case Code.Fstp_sti: case Code.Fstp_sti_DFD0: case Code.Fstp_sti_DFD8: case Code.Fstpnce_sti:
                    SetSt(StIndex(i, 0), v);
                    break;
                case Code.Fst_m32fp: case Code.Fstp_m32fp:
                    bits = empty ? SoftFloat80.SingleIndefinite : SoftFloat80.ToSingle(v, ref c);
                    size = 4;
                    break;
                case Code.Fst_m64fp: case Code.Fstp_m64fp:
                    bits = empty ? SoftFloat80.DoubleIndefinite : SoftFloat80.ToDouble(v, ref c);
                    size = 8;
                    break;
                case Code.Fstp_m80fp:
                    size = 10;
                    break;
                default:
                    return Exit(CpuExitKind.InvalidOpcode);
            }
            bool stored = size == 0 || X87StoreAllowed(c);
            if (size != 0 && stored)
            {
                ea = Ea(i);
                Span<byte> b = stackalloc byte[10];
                v.Write(b);
                if (!(size == 10 ? WriteBytes(ea, b) : Write(ea, size, bits)))
                {
                    return false;
                }
            }
            if (stored && pop)
            {
                X87Pop();
            }
        }
        X87Record(i, ea);
        X87Commit(c.Flags);
        return true;
    }

    /// <summary>A store to memory happens unless an unmasked #IA, #D, #O or #U was raised.</summary>
    private static bool X87StoreAllowed(in X87Context c) =>
        !c.Suppressed && (c.Unmasked & (X87Exceptions.Overflow | X87Exceptions.Underflow)) == 0;

    /// <summary>FIST/FISTP m16/m32/m64 (by RC), FISTTP (truncating; SSE3, so #UD at level v1) and FBSTP
    /// m80 (packed BCD). Out of range or NaN: #IA, the integer (or BCD) indefinite when masked.</summary>
    private bool ExecFist(in Instruction i, Mnemonic m)
    {
        if (m == Mnemonic.Fisttp && _options.Level < CpuLevel.V2)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        X87Context c = X87Ctx();
        Ext80? source = X87StoreSource(ref c);
        ulong ea = Ea(i);
        if (source is Ext80 v)
        {
            bool empty = StEmpty(0);
            if (m == Mnemonic.Fbstp)
            {
                Span<byte> b = stackalloc byte[10];
                if (empty)
                {
                    b.Clear();
                    b[7] = 0xC0;
                    b[8] = b[9] = 0xFF;
                }
                else
                {
                    SoftFloat80.ToBcd(v, b, ref c);
                }
                if (!c.Suppressed)
                {
                    if (!WriteBytes(ea, b))
                    {
                        return false;
                    }
                    X87Pop();
                }
            }
            else
            {
                int size = i.MemorySize switch { MemorySize.Int16 => 2, MemorySize.Int32 => 4, _ => 8 };
                long r = empty ? long.MinValue >> (64 - 8 * size) : SoftFloat80.ToInt(v, 8 * size, m == Mnemonic.Fisttp, ref c);
                if (!c.Suppressed)
                {
                    if (!Write(ea, size, (ulong)r))
                    {
                        return false;
                    }
                    if (m != Mnemonic.Fist)
                    {
                        X87Pop();
                    }
                }
            }
        }
        X87Record(i, ea);
        X87Commit(c.Flags);
        return true;
    }

    /// <summary>FXCH ST(i): swaps with ST(0); an empty one is #IS underflow and reads as the indefinite.</summary>
    private bool ExecFxch(in Instruction i)
    {
        X87Context c = X87Ctx();
        int idx = i.OpCount > 1 ? StIndex(i, 1) : 1;
        Ext80 a = St(0), b = St(idx);
        bool e0 = StEmpty(0), ei = StEmpty(idx);
        if (e0 || ei)
        {
            StackFault(ref c, overflow: false);
            if (!X87InvalidMasked)
            {
                X87Commit(c.Flags);
                return true;
            }
            a = e0 ? Ext80.Indefinite : a;
            b = ei ? Ext80.Indefinite : b;
        }
        SetSt(0, b);
        SetSt(idx, a);
        X87Record(i, 0);
        X87Commit(c.Flags);
        return true;
    }

    /// <summary>FCMOVcc ST(0), ST(i): copies when the RFLAGS condition holds (CF, ZF, PF).</summary>
    private bool ExecFcmov(in Instruction i, Mnemonic m)
    {
        ulong f = Flags;
        bool cond = m switch
        {
            Mnemonic.Fcmovb => (f & CF) != 0,
            Mnemonic.Fcmove => (f & ZF) != 0,
            Mnemonic.Fcmovbe => (f & (CF | ZF)) != 0,
            Mnemonic.Fcmovu => (f & PF) != 0,
            Mnemonic.Fcmovnb => (f & CF) == 0,
            Mnemonic.Fcmovne => (f & ZF) == 0,
            Mnemonic.Fcmovnbe => (f & (CF | ZF)) == 0,
            _ => (f & PF) == 0,
        };
        X87Context c = X87Ctx();
        int idx = StIndex(i, 1);
        if (StEmpty(0) || StEmpty(idx))
        {
            StackFault(ref c, overflow: false);
            if (X87InvalidMasked)
            {
                // Whatever the condition, as the host does.
                SetSt(0, Ext80.Indefinite);
            }
        }
        else if (cond)
        {
            SetSt(0, St(idx));
        }
        X87Record(i, 0);
        X87Commit(c.Flags, setC1: (c.Flags & X87Exceptions.StackFault) != 0);
        return true;
    }

    /// <summary>FFREE ST(i) (tag empty), FFREEP (the same, then pop), FDECSTP and FINCSTP (TOP ∓ 1, C1 = 0).</summary>
    private bool ExecX87StackControl(in Instruction i, Mnemonic m)
    {
        X87State f = _state.Fpu;
        switch (m)
        {
            case Mnemonic.Ffree:
            case Mnemonic.Ffreep:
                f.TagWord |= (ushort)(3 << (2 * X87Phys(StIndex(i, 0))));
                if (m == Mnemonic.Ffreep)
                {
                    f.Top = f.Top + 1;
                }
                X87Commit(0); // C1 = 0, as the host does
                break;
            case Mnemonic.Fdecstp:
                f.Top = f.Top - 1;
                X87Commit(0);
                break;
            default:
                f.Top = f.Top + 1;
                X87Commit(0);
                break;
        }
        X87Record(i, 0);
        return true;
    }
}
