using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// CMPPS/CMPPD/CMPSS/CMPSD and their VEX forms: each element becomes all ones when the predicate in
    /// imm8 holds, else zero. Legacy encodings use imm8 bits 2:0 (predicates 0–7), VEX bits 4:0 (all 32,
    /// SDM Vol. 2A CMPPS Table 3-1); the _S predicates report IE for a quiet NaN too.
    /// </summary>
    private bool ExecCompare<F>(in Instruction i, bool scalar) where F : struct, IFloatFormat
    {
        int predicate = i.Immediate8 & (IsVex(i) ? 31 : 7);
        bool signals = SoftFloat.PredicateSignals(predicate);
        var env = new FloatEnv(_state.Mxcsr);
        ulong ones = Lanes.IsSingle<F>() ? uint.MaxValue : ulong.MaxValue;
        if (scalar)
        {
            if (!ReadScalarSources<F>(i, out Vector256<byte> a, out ulong b))
            {
                return false;
            }
            FloatRelation rel = SoftFloat.Compare<F>(Lanes.Get<F>(a, 0), b, signals, ref env);
            if (!CompleteFloat(env))
            {
                return false;
            }
            Lanes.Set<F>(ref a, 0, SoftFloat.PredicateHolds(predicate, rel) ? ones : 0);
            WriteXmmResult(i, a.GetLower());
            return true;
        }
        if (!ReadPackedSources(i, out Vector256<byte> x, out Vector256<byte> y, out bool wide))
        {
            return false;
        }
        Vector256<byte> r = default;
        int n = Lanes.Count<F>(wide);
        for (int k = 0; k < n; k++)
        {
            FloatRelation rel = SoftFloat.Compare<F>(Lanes.Get<F>(x, k), Lanes.Get<F>(y, k), signals, ref env);
            Lanes.Set<F>(ref r, k, SoftFloat.PredicateHolds(predicate, rel) ? ones : 0);
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    /// <summary>
    /// COMISS/COMISD (IE on any NaN) and UCOMISS/UCOMISD (IE on a signalling NaN only), legacy and VEX:
    /// ZF, PF, CF = 111 unordered, 000 greater, 001 less, 100 equal; OF, SF, AF cleared (SDM Vol. 2A
    /// COMISS). An unmasked IE or DE raises #XM with RFLAGS unchanged.
    /// </summary>
    private bool ExecComi<F>(in Instruction i, bool signalQuiet) where F : struct, IFloatFormat
    {
        if (!ReadScalarOperand(i, 1, Lanes.Size<F>(), out ulong b))
        {
            return false;
        }
        ulong a = Lanes.Get<F>(Xmm(i.Op0Register).ToVector256Unsafe(), 0);
        var env = new FloatEnv(_state.Mxcsr);
        FloatRelation rel = SoftFloat.Compare<F>(a, b, signalQuiet, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        ulong flags = rel switch
        {
            FloatRelation.Unordered => ZF | PF | CF,
            FloatRelation.Less => CF,
            FloatRelation.Equal => ZF,
            _ => 0,
        };
        SetFlags(StatusFlags, flags);
        return true;
    }
}
