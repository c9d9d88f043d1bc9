using Emulator.Core.Cpu.X87;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>x87 transcendental instructions (SDM Vol. 2A F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS,
/// FSINCOS, FPTAN). Precision control does not apply; rounding control does.</summary>
public sealed partial class Cpu
{
    private bool ExecX87Transcendental(in Instruction i, Mnemonic m)
    {
        X87Context c = X87Ctx();
        c.Precision = 64;
        switch (m)
        {
            case Mnemonic.F2xm1:
            {
                Ext80 r;
                if (StEmpty(0))
                {
                    StackFault(ref c, overflow: false);
                    r = Ext80.Indefinite;
                }
                else
                {
                    r = SoftFloat80.Exp2M1(St(0), ref c);
                }
                X87WriteResult(i, 0, r, false, 0, ref c);
                return true;
            }
            case Mnemonic.Fyl2x:
            case Mnemonic.Fyl2xp1:
            case Mnemonic.Fpatan:
            {
                // ST(1) ← f(ST(0), ST(1)), then pop.
                Ext80 r;
                if (StEmpty(0) || StEmpty(1))
                {
                    StackFault(ref c, overflow: false);
                    r = Ext80.Indefinite;
                }
                else
                {
                    r = m switch
                    {
                        Mnemonic.Fyl2x => SoftFloat80.YLog2X(St(0), St(1), ref c),
                        Mnemonic.Fyl2xp1 => SoftFloat80.YLog2XP1(St(0), St(1), ref c),
                        _ => SoftFloat80.Atan2(St(1), St(0), ref c),
                    };
                }
                X87WriteResult(i, 1, r, true, 0, ref c);
                return true;
            }
            default:
                return ExecX87Trig(i, m, ref c);
        }
    }

    /// <summary>FSIN, FCOS (ST(0) ← f), FSINCOS (ST(0) ← sin, push cos) and FPTAN (ST(0) ← tan, push
    /// 1.0). C2 = 1 and nothing else changes for |ST(0)| ≥ 2^63; C2 = 0 otherwise.</summary>
    private bool ExecX87Trig(in Instruction i, Mnemonic m, ref X87Context c)
    {
        bool pushes = m is Mnemonic.Fsincos or Mnemonic.Fptan;
        Ext80 first, second = Ext80.One;
        if (StEmpty(0))
        {
            StackFault(ref c, overflow: false);
            first = second = Ext80.Indefinite;
        }
        else if (pushes && X87PushOverflows)
        {
            StackFault(ref c, overflow: true);
            first = second = Ext80.Indefinite;
        }
        else
        {
            Ext80 a = St(0);
            bool inRange = m switch
            {
                Mnemonic.Fsin => SoftFloat80.SinCos(a, true, false, out first, out _, ref c),
                Mnemonic.Fcos => SoftFloat80.SinCos(a, false, true, out _, out first, ref c),
                Mnemonic.Fsincos => SoftFloat80.SinCos(a, true, true, out first, out second, ref c),
                _ => SoftFloat80.Tan(a, out first, ref c),
            };
            if (!inRange)
            {
                // |ST(0)| ≥ 2^63: C2 = 1, C1 = 0 (as the host does), nothing else changes.
                X87Record(i, 0);
                _state.Fpu.StatusWord = (ushort)((_state.Fpu.StatusWord | FswC2) & ~FswC1);
                return true;
            }
            if (m == Mnemonic.Fptan && first.IsNaN)
            {
                second = first;
            }
        }
        if (!c.Suppressed)
        {
            SetSt(0, first);
            if (pushes)
            {
                X87Push(second);
            }
        }
        X87Record(i, 0);
        X87Commit(c.Flags);
        _state.Fpu.StatusWord &= unchecked((ushort)~FswC2);
        return true;
    }
}
