using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;
using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private enum HorizontalOp : byte
    {
        /// <summary>ADDSUBPS/PD: even elements a − b, odd elements a + b.</summary>
        AddSub,

        /// <summary>HADDPS/PD: sums of adjacent pairs, a's pairs then b's, per 128-bit block.</summary>
        Add,

        /// <summary>HSUBPS/PD: differences of adjacent pairs (lower minus upper).</summary>
        Sub,
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Binary<F>(FloatBinaryOp op, ulong a, ulong b, ref FloatEnv env) where F : struct, IFloatFormat =>
        op switch
        {
            FloatBinaryOp.Add => SoftFloat.Add<F>(a, b, ref env),
            FloatBinaryOp.Sub => SoftFloat.Sub<F>(a, b, ref env),
            FloatBinaryOp.Mul => SoftFloat.Mul<F>(a, b, ref env),
            FloatBinaryOp.Div => SoftFloat.Div<F>(a, b, ref env),
            FloatBinaryOp.Min => SoftFloat.Min<F>(a, b, ref env),
            _ => SoftFloat.Max<F>(a, b, ref env),
        };

    /// <summary>The lane function of a unary operation; <paramref name="imm"/> is ROUNDPS's imm8.</summary>
    private static ulong Unary<F>(FloatUnaryOp op, ulong x, int imm, ref FloatEnv env) where F : struct, IFloatFormat
    {
        switch (op)
        {
            case FloatUnaryOp.Sqrt:
                return SoftFloat.Sqrt<F>(x, ref env);
            case FloatUnaryOp.Rcp:
                return ApproxReciprocal.Reciprocal((uint)x);
            case FloatUnaryOp.Rsqrt:
                return ApproxReciprocal.ReciprocalSqrt((uint)x);
            default:
                // imm8: bits 1:0 the rounding direction unless bit 2 selects MXCSR.RC; bit 3 suppresses PE.
                if ((imm & 4) == 0)
                {
                    env.Rounding = (RoundingMode)(imm & 3);
                }
                return SoftFloat.RoundToIntegral<F>(x, (imm & 8) != 0, ref env);
        }
    }

    /// <summary>ADDPS/SUBPS/MULPS/DIVPS/MINPS/MAXPS and the PD forms, legacy and VEX.128/256.</summary>
    private bool ExecPackedBinary<F>(in Instruction i, FloatBinaryOp op) where F : struct, IFloatFormat
    {
        if (!ReadPackedSources(i, out Vector256<byte> a, out Vector256<byte> b, out bool wide))
        {
            return false;
        }
        uint mxcsr = _state.Mxcsr;
        if (TryPackedFast<F>(op, mxcsr, a, b, wide, out Vector256<byte> r))
        {
            WritePacked(i, r, wide);
            return true;
        }
        var env = new FloatEnv(mxcsr);
        int n = Lanes.Count<F>(wide);
        for (int k = 0; k < n; k++)
        {
            Lanes.Set<F>(ref r, k, Binary<F>(op, Lanes.Get<F>(a, k), Lanes.Get<F>(b, k), ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    /// <summary>ADDSS ... MAXSD: the low element; the others come from the destination (legacy) or the
    /// first source (VEX).</summary>
    private bool ExecScalarBinary<F>(in Instruction i, FloatBinaryOp op) where F : struct, IFloatFormat
    {
        if (!ReadScalarSources<F>(i, out Vector256<byte> a, out ulong b))
        {
            return false;
        }
        ulong x = Lanes.Get<F>(a, 0);
        uint mxcsr = _state.Mxcsr;
        if (!TryScalarFast<F>(op, mxcsr, x, b, out ulong result))
        {
            var env = new FloatEnv(mxcsr);
            result = Binary<F>(op, x, b, ref env);
            if (!CompleteFloat(env))
            {
                return false;
            }
        }
        Lanes.Set<F>(ref a, 0, result);
        WriteXmmResult(i, a.GetLower());
        return true;
    }

    /// <summary>SQRTPS/PD, RCPPS, RSQRTPS, ROUNDPS/PD (imm8).</summary>
    private bool ExecPackedUnary<F>(in Instruction i, FloatUnaryOp op) where F : struct, IFloatFormat
    {
        if (!ReadPackedSource(i, out Vector256<byte> s, out bool wide))
        {
            return false;
        }
        int imm = op == FloatUnaryOp.Round ? i.Immediate8 : 0;
        var env = new FloatEnv(_state.Mxcsr);
        Vector256<byte> r = default;
        int n = Lanes.Count<F>(wide);
        for (int k = 0; k < n; k++)
        {
            Lanes.Set<F>(ref r, k, Unary<F>(op, Lanes.Get<F>(s, k), imm, ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    /// <summary>SQRTSS/SD, RCPSS, RSQRTSS, ROUNDSS/SD: the low element of the last operand.</summary>
    private bool ExecScalarUnary<F>(in Instruction i, FloatUnaryOp op) where F : struct, IFloatFormat
    {
        if (!ReadScalarSources<F>(i, out Vector256<byte> a, out ulong b))
        {
            return false;
        }
        int imm = op == FloatUnaryOp.Round ? i.Immediate8 : 0;
        var env = new FloatEnv(_state.Mxcsr);
        ulong result = Unary<F>(op, b, imm, ref env);
        if (!CompleteFloat(env))
        {
            return false;
        }
        Lanes.Set<F>(ref a, 0, result);
        WriteXmmResult(i, a.GetLower());
        return true;
    }

    /// <summary>ADDSUBPS/PD, HADDPS/PD, HSUBPS/PD (SSE3), legacy and VEX.128/256; the 256-bit forms
    /// work on each 128-bit block independently.</summary>
    private bool ExecHorizontal<F>(in Instruction i, HorizontalOp op) where F : struct, IFloatFormat
    {
        if (!ReadPackedSources(i, out Vector256<byte> a, out Vector256<byte> b, out bool wide))
        {
            return false;
        }
        var env = new FloatEnv(_state.Mxcsr);
        Vector256<byte> r = default;
        int n = Lanes.Count<F>(wide);
        if (op == HorizontalOp.AddSub)
        {
            for (int k = 0; k < n; k++)
            {
                ulong x = Lanes.Get<F>(a, k), y = Lanes.Get<F>(b, k);
                Lanes.Set<F>(ref r, k, (k & 1) == 0 ? SoftFloat.Sub<F>(x, y, ref env) : SoftFloat.Add<F>(x, y, ref env));
            }
        }
        else
        {
            int perBlock = 16 / Lanes.Size<F>();
            int half = perBlock / 2;
            for (int block = 0; block < n; block += perBlock)
            {
                for (int j = 0; j < half; j++)
                {
                    Lanes.Set<F>(ref r, block + j, Pair<F>(op, a, block + 2 * j, ref env));
                    Lanes.Set<F>(ref r, block + half + j, Pair<F>(op, b, block + 2 * j, ref env));
                }
            }
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        WritePacked(i, r, wide);
        return true;
    }

    private static ulong Pair<F>(HorizontalOp op, in Vector256<byte> v, int k, ref FloatEnv env) where F : struct, IFloatFormat =>
        op == HorizontalOp.Add
            ? SoftFloat.Add<F>(Lanes.Get<F>(v, k), Lanes.Get<F>(v, k + 1), ref env)
            : SoftFloat.Sub<F>(Lanes.Get<F>(v, k), Lanes.Get<F>(v, k + 1), ref env);

    /// <summary>
    /// DPPS/DPPD (SSE4.1) and VDPPS (also 256-bit, per 128-bit block): the products selected by imm8
    /// bits 7:4 (others +0.0), summed as (p0 + p1) + (p2 + p3), the sum written to the elements selected
    /// by imm8 bits 3:0 (others +0.0). Each multiply and add rounds.
    /// </summary>
    /// <remarks>Measured on the host: the instruction reports exceptions in stages, as if the
    /// multiplies, the first additions and the last addition were separate instructions. Each stage
    /// applies the pre/post-computation rule of <see cref="CompleteFloat"/> and sets its flags before
    /// the next one runs, so an unmasked post-computation condition of the multiplies stops the
    /// instruction before the additions report anything. Intermediate products go through DAZ and
    /// report DE like any source.</remarks>
    private bool ExecDotProduct<F>(in Instruction i) where F : struct, IFloatFormat
    {
        if (!ReadPackedSources(i, out Vector256<byte> a, out Vector256<byte> b, out bool wide))
        {
            return false;
        }
        int imm = i.Immediate8;
        int perBlock = 16 / Lanes.Size<F>();
        int n = Lanes.Count<F>(wide);
        Vector256<byte> p = default;
        var env = new FloatEnv(_state.Mxcsr);
        for (int k = 0; k < n; k++)
        {
            if ((imm & (0x10 << (k % perBlock))) != 0)
            {
                Lanes.Set<F>(ref p, k, SoftFloat.Mul<F>(Lanes.Get<F>(a, k), Lanes.Get<F>(b, k), ref env));
            }
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        // Pairwise sums: element 2j of s holds p[2j] + p[2j+1] (per block).
        Vector256<byte> sums = default;
        env = new FloatEnv(_state.Mxcsr);
        for (int k = 0; k < n; k += 2)
        {
            Lanes.Set<F>(ref sums, k, SoftFloat.Add<F>(Lanes.Get<F>(p, k), Lanes.Get<F>(p, k + 1), ref env));
        }
        if (!CompleteFloat(env))
        {
            return false;
        }
        if (perBlock == 4)
        {
            env = new FloatEnv(_state.Mxcsr);
            for (int block = 0; block < n; block += 4)
            {
                Lanes.Set<F>(ref sums, block, SoftFloat.Add<F>(Lanes.Get<F>(sums, block), Lanes.Get<F>(sums, block + 2), ref env));
            }
            if (!CompleteFloat(env))
            {
                return false;
            }
        }
        Vector256<byte> r = default;
        for (int k = 0; k < n; k++)
        {
            int block = k - k % perBlock;
            Lanes.Set<F>(ref r, k, (imm & (1 << (k % perBlock))) != 0 ? Lanes.Get<F>(sums, block) : 0);
        }
        WritePacked(i, r, wide);
        return true;
    }
}
