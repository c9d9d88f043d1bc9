using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.Float;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The SIMD floating-point unit: SSE/SSE2/SSE3/SSE4.1 arithmetic, compares, conversions and MXCSR,
/// their VEX.128/VEX.256 forms, FMA3 and F16C. Every lane is computed by the exact software core in
/// <c>Cpu/Float/</c> (<see cref="SoftFloat"/>), so results and MXCSR flags are bit-identical to
/// hardware in every rounding mode and with DAZ/FTZ; common cases take a host fast path that is
/// used only when it is provably exact (<c>Cpu.SimdFloat.FastPath.cs</c>).
/// </summary>
/// <remarks>
/// <para>Exceptions (SDM Vol. 1 §11.5.1, Vol. 3A §6.15 #XM): the lanes' pre-computation conditions
/// (IE, DE, ZE) are ORed; if any is unmasked they are set in MXCSR and #XM is raised with the
/// destination unchanged. Otherwise the post-computation conditions (OE, UE, PE) are ORed in too, and
/// #XM is raised if any of those is unmasked, again writing nothing. Masked conditions only set the
/// sticky flags. <see cref="CompleteFloat"/> is that decision.</para>
/// <para>SSE3 and SSE4.1 legacy encodings are #UD below <see cref="CpuLevel.V2"/>; VEX encodings
/// (AVX, FMA, F16C) are gated to <see cref="CpuLevel.V3"/> by <see cref="ExecExtended"/>.</para>
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>The mnemonics this unit executes (every legal encoding of each).</summary>
    internal static readonly Mnemonic[] SimdFloatMnemonics = BuildSimdFloatMnemonics();

    internal enum FloatBinaryOp : byte
    {
        Add,
        Sub,
        Mul,
        Div,
        Min,
        Max,
    }

    private enum FloatUnaryOp : byte
    {
        Sqrt,
        Rcp,
        Rsqrt,
        Round,
    }

    /// <summary>Executes <paramref name="i"/> when it belongs to this unit.</summary>
    /// <returns>false when the instruction is not this unit's (<paramref name="ok"/> is then meaningless);
    /// true when it was handled, with <paramref name="ok"/> the handler's result (false: it exited).</returns>
    private bool TryExecSimdFloat(in Instruction i, out bool ok)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Addps: case Mnemonic.Vaddps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Add); return true;
            case Mnemonic.Addpd: case Mnemonic.Vaddpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Add); return true;
            case Mnemonic.Subps: case Mnemonic.Vsubps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Sub); return true;
            case Mnemonic.Subpd: case Mnemonic.Vsubpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Sub); return true;
            case Mnemonic.Mulps: case Mnemonic.Vmulps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Mul); return true;
            case Mnemonic.Mulpd: case Mnemonic.Vmulpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Mul); return true;
            case Mnemonic.Divps: case Mnemonic.Vdivps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Div); return true;
            case Mnemonic.Divpd: case Mnemonic.Vdivpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Div); return true;
            case Mnemonic.Minps: case Mnemonic.Vminps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Min); return true;
            case Mnemonic.Minpd: case Mnemonic.Vminpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Min); return true;
            case Mnemonic.Maxps: case Mnemonic.Vmaxps: ok = ExecPackedBinary<Binary32>(i, FloatBinaryOp.Max); return true;
            case Mnemonic.Maxpd: case Mnemonic.Vmaxpd: ok = ExecPackedBinary<Binary64>(i, FloatBinaryOp.Max); return true;

            case Mnemonic.Addss: case Mnemonic.Vaddss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Add); return true;
            case Mnemonic.Addsd: case Mnemonic.Vaddsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Add); return true;
            case Mnemonic.Subss: case Mnemonic.Vsubss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Sub); return true;
            case Mnemonic.Subsd: case Mnemonic.Vsubsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Sub); return true;
            case Mnemonic.Mulss: case Mnemonic.Vmulss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Mul); return true;
            case Mnemonic.Mulsd: case Mnemonic.Vmulsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Mul); return true;
            case Mnemonic.Divss: case Mnemonic.Vdivss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Div); return true;
            case Mnemonic.Divsd: case Mnemonic.Vdivsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Div); return true;
            case Mnemonic.Minss: case Mnemonic.Vminss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Min); return true;
            case Mnemonic.Minsd: case Mnemonic.Vminsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Min); return true;
            case Mnemonic.Maxss: case Mnemonic.Vmaxss: ok = ExecScalarBinary<Binary32>(i, FloatBinaryOp.Max); return true;
            case Mnemonic.Maxsd: case Mnemonic.Vmaxsd: ok = ExecScalarBinary<Binary64>(i, FloatBinaryOp.Max); return true;

            case Mnemonic.Sqrtps: case Mnemonic.Vsqrtps: ok = ExecPackedUnary<Binary32>(i, FloatUnaryOp.Sqrt); return true;
            case Mnemonic.Sqrtpd: case Mnemonic.Vsqrtpd: ok = ExecPackedUnary<Binary64>(i, FloatUnaryOp.Sqrt); return true;
            case Mnemonic.Rcpps: case Mnemonic.Vrcpps: ok = ExecPackedUnary<Binary32>(i, FloatUnaryOp.Rcp); return true;
            case Mnemonic.Rsqrtps: case Mnemonic.Vrsqrtps: ok = ExecPackedUnary<Binary32>(i, FloatUnaryOp.Rsqrt); return true;
            case Mnemonic.Sqrtss: case Mnemonic.Vsqrtss: ok = ExecScalarUnary<Binary32>(i, FloatUnaryOp.Sqrt); return true;
            case Mnemonic.Sqrtsd: case Mnemonic.Vsqrtsd: ok = ExecScalarUnary<Binary64>(i, FloatUnaryOp.Sqrt); return true;
            case Mnemonic.Rcpss: case Mnemonic.Vrcpss: ok = ExecScalarUnary<Binary32>(i, FloatUnaryOp.Rcp); return true;
            case Mnemonic.Rsqrtss: case Mnemonic.Vrsqrtss: ok = ExecScalarUnary<Binary32>(i, FloatUnaryOp.Rsqrt); return true;

            case Mnemonic.Addsubps: case Mnemonic.Vaddsubps: ok = NeedV2(i) && ExecHorizontal<Binary32>(i, HorizontalOp.AddSub); return true;
            case Mnemonic.Addsubpd: case Mnemonic.Vaddsubpd: ok = NeedV2(i) && ExecHorizontal<Binary64>(i, HorizontalOp.AddSub); return true;
            case Mnemonic.Haddps: case Mnemonic.Vhaddps: ok = NeedV2(i) && ExecHorizontal<Binary32>(i, HorizontalOp.Add); return true;
            case Mnemonic.Haddpd: case Mnemonic.Vhaddpd: ok = NeedV2(i) && ExecHorizontal<Binary64>(i, HorizontalOp.Add); return true;
            case Mnemonic.Hsubps: case Mnemonic.Vhsubps: ok = NeedV2(i) && ExecHorizontal<Binary32>(i, HorizontalOp.Sub); return true;
            case Mnemonic.Hsubpd: case Mnemonic.Vhsubpd: ok = NeedV2(i) && ExecHorizontal<Binary64>(i, HorizontalOp.Sub); return true;
            case Mnemonic.Dpps: case Mnemonic.Vdpps: ok = NeedV2(i) && ExecDotProduct<Binary32>(i); return true;
            case Mnemonic.Dppd: case Mnemonic.Vdppd: ok = NeedV2(i) && ExecDotProduct<Binary64>(i); return true;
            case Mnemonic.Roundps: case Mnemonic.Vroundps: ok = NeedV2(i) && ExecPackedUnary<Binary32>(i, FloatUnaryOp.Round); return true;
            case Mnemonic.Roundpd: case Mnemonic.Vroundpd: ok = NeedV2(i) && ExecPackedUnary<Binary64>(i, FloatUnaryOp.Round); return true;
            case Mnemonic.Roundss: case Mnemonic.Vroundss: ok = NeedV2(i) && ExecScalarUnary<Binary32>(i, FloatUnaryOp.Round); return true;
            case Mnemonic.Roundsd: case Mnemonic.Vroundsd: ok = NeedV2(i) && ExecScalarUnary<Binary64>(i, FloatUnaryOp.Round); return true;

            case Mnemonic.Cmpps: case Mnemonic.Vcmpps: ok = ExecCompare<Binary32>(i, scalar: false); return true;
            case Mnemonic.Cmppd: case Mnemonic.Vcmppd: ok = ExecCompare<Binary64>(i, scalar: false); return true;
            case Mnemonic.Cmpss: case Mnemonic.Vcmpss: ok = ExecCompare<Binary32>(i, scalar: true); return true;
            case Mnemonic.Cmpsd: case Mnemonic.Vcmpsd: ok = ExecCompare<Binary64>(i, scalar: true); return true;
            case Mnemonic.Comiss: case Mnemonic.Vcomiss: ok = ExecComi<Binary32>(i, signalQuiet: true); return true;
            case Mnemonic.Comisd: case Mnemonic.Vcomisd: ok = ExecComi<Binary64>(i, signalQuiet: true); return true;
            case Mnemonic.Ucomiss: case Mnemonic.Vucomiss: ok = ExecComi<Binary32>(i, signalQuiet: false); return true;
            case Mnemonic.Ucomisd: case Mnemonic.Vucomisd: ok = ExecComi<Binary64>(i, signalQuiet: false); return true;

            case Mnemonic.Ldmxcsr: case Mnemonic.Vldmxcsr: ok = ExecLdmxcsr(i); return true;
            case Mnemonic.Stmxcsr: case Mnemonic.Vstmxcsr: ok = Write(Ea(i), 4, _state.Mxcsr); return true;

            default:
                return TryExecSimdFloatConvert(i, out ok) || TryExecSimdFloatFma(i, out ok);
        }
    }

    private static Mnemonic[] BuildSimdFloatMnemonics()
    {
        Mnemonic[] core =
        [
            Mnemonic.Addps, Mnemonic.Addpd, Mnemonic.Addss, Mnemonic.Addsd, Mnemonic.Subps, Mnemonic.Subpd,
            Mnemonic.Subss, Mnemonic.Subsd, Mnemonic.Mulps, Mnemonic.Mulpd, Mnemonic.Mulss, Mnemonic.Mulsd,
            Mnemonic.Divps, Mnemonic.Divpd, Mnemonic.Divss, Mnemonic.Divsd, Mnemonic.Minps, Mnemonic.Minpd,
            Mnemonic.Minss, Mnemonic.Minsd, Mnemonic.Maxps, Mnemonic.Maxpd, Mnemonic.Maxss, Mnemonic.Maxsd,
            Mnemonic.Sqrtps, Mnemonic.Sqrtpd, Mnemonic.Sqrtss, Mnemonic.Sqrtsd, Mnemonic.Rcpps, Mnemonic.Rcpss,
            Mnemonic.Rsqrtps, Mnemonic.Rsqrtss, Mnemonic.Addsubps, Mnemonic.Addsubpd, Mnemonic.Haddps,
            Mnemonic.Haddpd, Mnemonic.Hsubps, Mnemonic.Hsubpd, Mnemonic.Dpps, Mnemonic.Dppd, Mnemonic.Roundps,
            Mnemonic.Roundpd, Mnemonic.Roundss, Mnemonic.Roundsd, Mnemonic.Cmpps, Mnemonic.Cmppd, Mnemonic.Cmpss,
            Mnemonic.Cmpsd, Mnemonic.Comiss, Mnemonic.Comisd, Mnemonic.Ucomiss, Mnemonic.Ucomisd,
            Mnemonic.Ldmxcsr, Mnemonic.Stmxcsr,
            Mnemonic.Vaddps, Mnemonic.Vaddpd, Mnemonic.Vaddss, Mnemonic.Vaddsd, Mnemonic.Vsubps, Mnemonic.Vsubpd,
            Mnemonic.Vsubss, Mnemonic.Vsubsd, Mnemonic.Vmulps, Mnemonic.Vmulpd, Mnemonic.Vmulss, Mnemonic.Vmulsd,
            Mnemonic.Vdivps, Mnemonic.Vdivpd, Mnemonic.Vdivss, Mnemonic.Vdivsd, Mnemonic.Vminps, Mnemonic.Vminpd,
            Mnemonic.Vminss, Mnemonic.Vminsd, Mnemonic.Vmaxps, Mnemonic.Vmaxpd, Mnemonic.Vmaxss, Mnemonic.Vmaxsd,
            Mnemonic.Vsqrtps, Mnemonic.Vsqrtpd, Mnemonic.Vsqrtss, Mnemonic.Vsqrtsd, Mnemonic.Vrcpps, Mnemonic.Vrcpss,
            Mnemonic.Vrsqrtps, Mnemonic.Vrsqrtss, Mnemonic.Vaddsubps, Mnemonic.Vaddsubpd, Mnemonic.Vhaddps,
            Mnemonic.Vhaddpd, Mnemonic.Vhsubps, Mnemonic.Vhsubpd, Mnemonic.Vdpps, Mnemonic.Vdppd, Mnemonic.Vroundps,
            Mnemonic.Vroundpd, Mnemonic.Vroundss, Mnemonic.Vroundsd, Mnemonic.Vcmpps, Mnemonic.Vcmppd, Mnemonic.Vcmpss,
            Mnemonic.Vcmpsd, Mnemonic.Vcomiss, Mnemonic.Vcomisd, Mnemonic.Vucomiss, Mnemonic.Vucomisd,
            Mnemonic.Vldmxcsr, Mnemonic.Vstmxcsr,
        ];
        return [.. core, .. ConvertMnemonics(), .. FmaMnemonics()];
    }

    /// <summary>SSE3/SSE4.1 legacy encodings need level v2 (VEX ones are already gated to v3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool NeedV2(in Instruction i) => _options.Level >= CpuLevel.V2 || IsVex(i) || Exit(CpuExitKind.InvalidOpcode);

    /// <summary>
    /// Ends a floating-point instruction after its lanes were computed into <paramref name="env"/>:
    /// merges the detected conditions into MXCSR's sticky flags and decides whether the result may be
    /// written (true) or #XM is raised with the destination unchanged (false, the exit set).
    /// </summary>
    /// <remarks>SDM Vol. 1 §11.5.1: with an unmasked pre-computation condition only the
    /// pre-computation flags are set (no computation happened).</remarks>
    private bool CompleteFloat(in FloatEnv env)
    {
        uint mxcsr = _state.Mxcsr;
        if (MxcsrBits.Unmasked(mxcsr, env.Pre) != 0)
        {
            _state.Mxcsr = mxcsr | env.Pre;
            return Exit(CpuExitKind.SimdFloatingPoint);
        }
        _state.Mxcsr = mxcsr | env.Pre | env.Post;
        return MxcsrBits.Unmasked(mxcsr, env.Post) == 0 || Exit(CpuExitKind.SimdFloatingPoint);
    }

    /// <summary>LDMXCSR/VLDMXCSR m32: #GP(0) when a reserved bit (31:16) is set (SDM Vol. 2A LDMXCSR).</summary>
    private bool ExecLdmxcsr(in Instruction i)
    {
        if (!Read(Ea(i), 4, out ulong value))
        {
            return false;
        }
        if ((value & ~(ulong)MxcsrBits.Writable) != 0)
        {
            return Exit(CpuExitKind.GeneralProtection);
        }
        _state.Mxcsr = (uint)value;
        return true;
    }

    /// <summary>True when the instruction's destination (operand 0) is a YMM register (VEX.256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWide(in Instruction i) => i.Op0Kind == OpKind.Register && i.Op0Register.IsYMM();

    /// <summary>The two sources of a packed operation: legacy (operand 0, operand 1: xmm/m128, 16-aligned)
    /// or VEX (operand 1, operand 2: xmm/m128 or ymm/m256).</summary>
    private bool ReadPackedSources(in Instruction i, out Vector256<byte> a, out Vector256<byte> b, out bool wide)
    {
        wide = IsWide(i);
        if (wide)
        {
            a = Ymm(i.Op1Register);
            return ReadYmmOperand(i, 2, out b);
        }
        int op = IsVex(i) ? 1 : 0;
        a = Xmm(i.GetOpRegister(op)).ToVector256Unsafe();
        bool ok = ReadXmmOperand(i, op + 1, out Vector128<byte> b128);
        b = b128.ToVector256Unsafe();
        return ok;
    }

    /// <summary>The one source of a packed unary operation (operand 1 in both encodings).</summary>
    private bool ReadPackedSource(in Instruction i, out Vector256<byte> s, out bool wide)
    {
        wide = IsWide(i);
        if (wide)
        {
            return ReadYmmOperand(i, 1, out s);
        }
        bool ok = ReadXmmOperand(i, 1, out Vector128<byte> s128);
        s = s128.ToVector256Unsafe();
        return ok;
    }

    /// <summary>The sources of a scalar operation: the register supplying the untouched upper elements
    /// (legacy: the destination; VEX: operand 1) and the low element of the last operand (xmm or m32/m64).</summary>
    private bool ReadScalarSources<F>(in Instruction i, out Vector256<byte> a, out ulong b) where F : struct, IFloatFormat
    {
        int op = IsVex(i) ? 1 : 0;
        a = Xmm(i.GetOpRegister(op)).ToVector256Unsafe();
        return ReadScalarOperand(i, op + 1, Lanes.Size<F>(), out b);
    }

    /// <summary>Writes a packed result: VEX.256 the whole YMM register, otherwise through
    /// <see cref="WriteXmmResult"/> (VEX.128 zeroes 255:128, legacy keeps them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WritePacked(in Instruction i, in Vector256<byte> r, bool wide)
    {
        if (wide)
        {
            Ymm(i.Op0Register) = r;
        }
        else
        {
            WriteXmmResult(i, r.GetLower());
        }
    }
}
