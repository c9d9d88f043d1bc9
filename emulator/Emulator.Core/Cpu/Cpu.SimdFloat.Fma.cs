using System.Runtime.Intrinsics;
using System.Text.RegularExpressions;
using Emulator.Core.Cpu.Float;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>One FMA3 mnemonic decoded from its name: which operands are the multiplicands and the
    /// addend, the negations, the alternating forms, the format and whether it is scalar.</summary>
    private readonly record struct FmaForm(byte Order, bool NegateProduct, bool NegateAddend, sbyte Alternate, bool Double, bool Scalar);

    /// <summary>Per <see cref="Mnemonic"/>: its FMA form, or null for every other mnemonic.</summary>
    private static readonly FmaForm?[] s_fmaForms = BuildFmaForms();

    private static FmaForm?[] BuildFmaForms()
    {
        var forms = new FmaForm?[MaxEnum<Mnemonic>() + 1];
        var pattern = new Regex("^Vf(n?)m(add|sub|addsub|subadd)(132|213|231)(ps|pd|ss|sd)$", RegexOptions.CultureInvariant);
        foreach (Mnemonic m in Enum.GetValues<Mnemonic>())
        {
            Match match = pattern.Match(m.ToString());
            if (!match.Success)
            {
                continue;
            }
            string kind = match.Groups[2].Value;
            forms[(int)m] = new FmaForm(
                Order: match.Groups[3].Value switch { "132" => 0, "213" => 1, _ => 2 },
                NegateProduct: match.Groups[1].Value == "n",
                NegateAddend: kind == "sub",
                // addsub: even elements subtract, odd add; subadd the reverse.
                Alternate: (sbyte)(kind == "addsub" ? 1 : kind == "subadd" ? -1 : 0),
                Double: match.Groups[4].Value[1] == 'd',
                Scalar: match.Groups[4].Value[0] == 's');
        }
        return forms;
    }

    /// <summary>Computed afresh (not from <see cref="s_fmaForms"/>): static fields of the partial files
    /// initialise in no guaranteed order.</summary>
    private static IEnumerable<Mnemonic> FmaMnemonics()
    {
        FmaForm?[] forms = BuildFmaForms();
        for (int m = 0; m < forms.Length; m++)
        {
            if (forms[m] is not null)
            {
                yield return (Mnemonic)m;
            }
        }
    }

    private bool TryExecSimdFloatFma(in Instruction i, out bool ok)
    {
        FmaForm? form = s_fmaForms[(int)i.Mnemonic];
        if (form is not FmaForm f)
        {
            ok = false;
            return false;
        }
        ok = f.Double ? ExecFma<Binary64>(i, f) : ExecFma<Binary32>(i, f);
        return true;
    }

    /// <summary>
    /// VFMADD/VFMSUB/VFNMADD/VFNMSUB/VFMADDSUB/VFMSUBADD {132,213,231}: with operands (op0, op1, op2)
    /// the 132 form computes op0 × op2 + op1, 213 op1 × op0 + op2, 231 op1 × op2 + op0, each with one
    /// rounding (SDM Vol. 2A VFMADD132PS...). The scalar forms keep bits 127:width of op0.
    /// </summary>
    private bool ExecFma<F>(in Instruction i, FmaForm f) where F : struct, IFloatFormat
    {
        bool wide = IsWide(i);
        Vector256<byte> x0 = wide ? Ymm(i.Op0Register) : Xmm(i.Op0Register).ToVector256Unsafe();
        Vector256<byte> x1 = wide ? Ymm(i.Op1Register) : Xmm(i.Op1Register).ToVector256Unsafe();
        Vector256<byte> x2;
        if (f.Scalar)
        {
            if (!ReadScalarOperand(i, 2, Lanes.Size<F>(), out ulong s))
            {
                return false;
            }
            x2 = default;
            Lanes.Set<F>(ref x2, 0, s);
        }
        else if (wide)
        {
            if (!ReadYmmOperand(i, 2, out x2))
            {
                return false;
            }
        }
        else
        {
            if (!ReadXmmOperand(i, 2, out Vector128<byte> x))
            {
                return false;
            }
            x2 = x.ToVector256Unsafe();
        }
        var env = new FloatEnv(_state.Mxcsr);
        Vector256<byte> r = x0;
        int n = f.Scalar ? 1 : Lanes.Count<F>(wide);
        for (int k = 0; k < n; k++)
        {
            ulong v0 = Lanes.Get<F>(x0, k), v1 = Lanes.Get<F>(x1, k), v2 = Lanes.Get<F>(x2, k);
            (ulong a, ulong b, ulong c) = f.Order switch
            {
                0 => (v0, v2, v1),
                1 => (v1, v0, v2),
                _ => (v1, v2, v0),
            };
            bool negateAddend = f.Alternate == 0 ? f.NegateAddend : ((k & 1) == 0) == (f.Alternate > 0);
            Lanes.Set<F>(ref r, k, SoftFloat.Fma<F>(a, b, c, f.NegateProduct, negateAddend, ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    /// <summary>VCVTPH2PS xmm, xmm/m64 and ymm, xmm/m128 (F16C): exact widening of binary16.</summary>
    private bool ExecCvtPh2Ps(in Instruction i)
    {
        bool wide = IsWide(i);
        int n = wide ? 8 : 4;
        if (!ReadOperandBytes(i, 1, 2 * n, out Vector256<byte> s))
        {
            return false;
        }
        // Half denormals are converted exactly: DAZ does not apply and no DE is reported (checked on the host).
        var env = new FloatEnv(_state.Mxcsr) { Daz = false };
        Vector256<byte> r = default;
        for (int k = 0; k < n; k++)
        {
            Lanes.SetU32(ref r, k, (uint)SoftFloat.Convert<Binary16, Binary32>(Lanes.U16(s, k), ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    /// <summary>
    /// VCVTPS2PH xmm/m64, xmm, imm8 and xmm/m128, ymm, imm8 (F16C): imm8 bits 1:0 choose the rounding
    /// unless bit 2 selects MXCSR.RC. A memory destination is translated for writing before anything
    /// changes, so a page fault leaves MXCSR as it was.
    /// </summary>
    private bool ExecCvtPs2Ph(in Instruction i)
    {
        bool wideSource = i.Op1Register.IsYMM();
        int n = wideSource ? 8 : 4;
        Vector256<byte> s = wideSource ? Ymm(i.Op1Register) : Xmm(i.Op1Register).ToVector256Unsafe();
        MemRef m = default;
        if (i.Op0Kind == OpKind.Memory && !TranslateMem(Ea(i), 2 * n, write: true, out m))
        {
            return false;
        }
        // FTZ does not apply: tiny results become binary16 denormals (checked on the host).
        var env = new FloatEnv(_state.Mxcsr) { Ftz = false };
        int imm = i.Immediate8;
        if ((imm & 4) == 0)
        {
            env.Rounding = (RoundingMode)(imm & 3);
        }
        Vector256<byte> r = default;
        for (int k = 0; k < n; k++)
        {
            Lanes.SetU16(ref r, k, (ushort)SoftFloat.Convert<Binary32, Binary16>(Lanes.U32(s, k), ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        if (i.Op0Kind == OpKind.Register)
        {
            SetXmmZeroUpper(i.Op0Register, r.GetLower());
            return true;
        }
        Span<byte> bytes = stackalloc byte[16];
        r.GetLower().CopyTo(bytes);
        StoreBytes(m, bytes[..(2 * n)]);
        return true;
    }
}
