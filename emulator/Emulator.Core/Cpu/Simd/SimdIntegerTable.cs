using Iced.Intel;

namespace Emulator.Core.Cpu.Simd;

/// <summary>
/// The SIMD integer unit's decode table: for every Iced <see cref="Code"/> of a mnemonic it owns —
/// legacy SSE..SSE4.1 with XMM operands and the VEX.128/VEX.256 forms — the executor, the lane
/// operation and the lowest CPU level. MMX-register forms of the same mnemonics (PADDB mm, ...),
/// EVEX/MVEX forms and the string MOVSD stay <see cref="SimdIntForm.None"/>, so the next unit sees them.
/// </summary>
/// <remarks>Built once from Iced's own opcode tables (<see cref="OpCodeInfo"/>), so every encoding
/// of a listed mnemonic — the REX.W MOVQ, the store forms, the 0F 11 register forms of MOVSS — is
/// covered without being spelled out by hand.</remarks>
internal static class SimdIntegerTable
{
    /// <summary>Indexed by <see cref="Code"/>.</summary>
    public static readonly SimdIntEntry[] Entries = Build(out s_mnemonics);

    private static readonly Mnemonic[] s_mnemonics;

    /// <summary>Every mnemonic with at least one code in <see cref="Entries"/>.</summary>
    public static Mnemonic[] Mnemonics => s_mnemonics;

    private static SimdIntEntry[] Build(out Mnemonic[] mnemonics)
    {
        var byMnemonic = new Dictionary<Mnemonic, (SimdIntForm Form, LaneOp Op, byte Size)>();
        foreach (var (legacy, vex, form, op, size) in Map())
        {
            byMnemonic[legacy] = (form, op, size);
            if (vex != Mnemonic.INVALID)
            {
                byMnemonic[vex] = (form, op, size);
            }
        }
        var codes = Enum.GetValues<Code>();
        var entries = new SimdIntEntry[codes.Length];
        var used = new SortedSet<Mnemonic>();
        foreach (Code code in codes)
        {
            if (code == Code.Movsd_m32_m32 || !byMnemonic.TryGetValue(code.Mnemonic(), out var m))
            {
                continue;
            }
            OpCodeInfo info = code.ToOpCode();
            if ((info.Encoding != EncodingKind.Legacy && info.Encoding != EncodingKind.VEX) || HasMmxOperand(info))
            {
                continue;
            }
            SimdIntForm form = m.Form;
            if (form == SimdIntForm.MoveGpr && !HasGprOperand(info))
            {
                form = SimdIntForm.MoveQ;    // MOVQ xmm, xmm/m64 and MOVQ xmm/m64, xmm
            }
            if (form == SimdIntForm.Binary && m.Op is >= LaneOp.SllW and <= LaneOp.SraD
                && info.GetOpKind(info.OpCount - 1) == OpCodeOperandKind.imm8)
            {
                form = SimdIntForm.ShiftImm;
            }
            entries[(int)code] = new SimdIntEntry(form, m.Op, m.Size, LevelOf(code));
            used.Add(code.Mnemonic());
        }
        mnemonics = [.. used];
        return entries;
    }

    private static bool HasGprOperand(OpCodeInfo info)
    {
        for (int k = 0; k < info.OpCount; k++)
        {
            if (info.GetOpKind(k) is OpCodeOperandKind.r32_or_mem or OpCodeOperandKind.r64_or_mem)
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasMmxOperand(OpCodeInfo info)
    {
        for (int k = 0; k < info.OpCount; k++)
        {
            if (info.GetOpKind(k) is OpCodeOperandKind.mm_reg or OpCodeOperandKind.mm_rm or OpCodeOperandKind.mm_or_mem)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>SSE and SSE2 are the x86-64 baseline (v1); SSE3, SSSE3, SSE4.1 and SSE4.2 come with
    /// v2; AVX and AVX2 with v3 (x86-64 psABI §3.1.1).</summary>
    private static CpuLevel LevelOf(Code code)
    {
        CpuLevel level = CpuLevel.V1;
        foreach (CpuidFeature f in code.CpuidFeatures())
        {
            CpuLevel l = f switch
            {
                CpuidFeature.SSE3 or CpuidFeature.SSSE3 or CpuidFeature.SSE4_1 or CpuidFeature.SSE4_2 => CpuLevel.V2,
                CpuidFeature.AVX or CpuidFeature.AVX2 => CpuLevel.V3,
                _ => CpuLevel.V1,
            };
            level = l > level ? l : level;
        }
        return level;
    }

    private static (Mnemonic Legacy, Mnemonic Vex, SimdIntForm Form, LaneOp Op, byte Size)[] Map() =>
    [
        // moves
        (Mnemonic.Movd, Mnemonic.Vmovd, SimdIntForm.MoveGpr, LaneOp.None, 4),
        (Mnemonic.Movq, Mnemonic.Vmovq, SimdIntForm.MoveGpr, LaneOp.None, 8),
        (Mnemonic.Movss, Mnemonic.Vmovss, SimdIntForm.MoveScalar, LaneOp.None, 4),
        (Mnemonic.Movsd, Mnemonic.Vmovsd, SimdIntForm.MoveScalar, LaneOp.None, 8),
        (Mnemonic.Movaps, Mnemonic.Vmovaps, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movapd, Mnemonic.Vmovapd, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movdqa, Mnemonic.Vmovdqa, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movntdq, Mnemonic.Vmovntdq, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movntps, Mnemonic.Vmovntps, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movntpd, Mnemonic.Vmovntpd, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movntdqa, Mnemonic.Vmovntdqa, SimdIntForm.MoveAligned, LaneOp.None, 0),
        (Mnemonic.Movups, Mnemonic.Vmovups, SimdIntForm.MoveUnaligned, LaneOp.None, 0),
        (Mnemonic.Movupd, Mnemonic.Vmovupd, SimdIntForm.MoveUnaligned, LaneOp.None, 0),
        (Mnemonic.Movdqu, Mnemonic.Vmovdqu, SimdIntForm.MoveUnaligned, LaneOp.None, 0),
        (Mnemonic.Lddqu, Mnemonic.Vlddqu, SimdIntForm.MoveUnaligned, LaneOp.None, 0),
        (Mnemonic.Movhps, Mnemonic.Vmovhps, SimdIntForm.MoveHigh, LaneOp.None, 0),
        (Mnemonic.Movhpd, Mnemonic.Vmovhpd, SimdIntForm.MoveHigh, LaneOp.None, 0),
        (Mnemonic.Movlps, Mnemonic.Vmovlps, SimdIntForm.MoveLow, LaneOp.None, 0),
        (Mnemonic.Movlpd, Mnemonic.Vmovlpd, SimdIntForm.MoveLow, LaneOp.None, 0),
        (Mnemonic.Movhlps, Mnemonic.Vmovhlps, SimdIntForm.MoveHighToLow, LaneOp.None, 0),
        (Mnemonic.Movlhps, Mnemonic.Vmovlhps, SimdIntForm.MoveLowToHigh, LaneOp.None, 0),
        (Mnemonic.Movddup, Mnemonic.Vmovddup, SimdIntForm.Unary, LaneOp.DupLoQ, 0),
        (Mnemonic.Movsldup, Mnemonic.Vmovsldup, SimdIntForm.Unary, LaneOp.DupEvenD, 0),
        (Mnemonic.Movshdup, Mnemonic.Vmovshdup, SimdIntForm.Unary, LaneOp.DupOddD, 0),
        (Mnemonic.Maskmovdqu, Mnemonic.Vmaskmovdqu, SimdIntForm.MaskMove, LaneOp.None, 0),
        (Mnemonic.Pmovmskb, Mnemonic.Vpmovmskb, SimdIntForm.MoveMask, LaneOp.None, 1),
        (Mnemonic.Movmskps, Mnemonic.Vmovmskps, SimdIntForm.MoveMask, LaneOp.None, 4),
        (Mnemonic.Movmskpd, Mnemonic.Vmovmskpd, SimdIntForm.MoveMask, LaneOp.None, 8),

        // logic
        (Mnemonic.Pand, Mnemonic.Vpand, SimdIntForm.Binary, LaneOp.And, 0),
        (Mnemonic.Andps, Mnemonic.Vandps, SimdIntForm.Binary, LaneOp.And, 0),
        (Mnemonic.Andpd, Mnemonic.Vandpd, SimdIntForm.Binary, LaneOp.And, 0),
        (Mnemonic.Pandn, Mnemonic.Vpandn, SimdIntForm.Binary, LaneOp.AndNot, 0),
        (Mnemonic.Andnps, Mnemonic.Vandnps, SimdIntForm.Binary, LaneOp.AndNot, 0),
        (Mnemonic.Andnpd, Mnemonic.Vandnpd, SimdIntForm.Binary, LaneOp.AndNot, 0),
        (Mnemonic.Por, Mnemonic.Vpor, SimdIntForm.Binary, LaneOp.Or, 0),
        (Mnemonic.Orps, Mnemonic.Vorps, SimdIntForm.Binary, LaneOp.Or, 0),
        (Mnemonic.Orpd, Mnemonic.Vorpd, SimdIntForm.Binary, LaneOp.Or, 0),
        (Mnemonic.Pxor, Mnemonic.Vpxor, SimdIntForm.Binary, LaneOp.Xor, 0),
        (Mnemonic.Xorps, Mnemonic.Vxorps, SimdIntForm.Binary, LaneOp.Xor, 0),
        (Mnemonic.Xorpd, Mnemonic.Vxorpd, SimdIntForm.Binary, LaneOp.Xor, 0),
        (Mnemonic.Ptest, Mnemonic.Vptest, SimdIntForm.PTest, LaneOp.None, 0),

        // add and subtract
        (Mnemonic.Paddb, Mnemonic.Vpaddb, SimdIntForm.Binary, LaneOp.AddB, 0),
        (Mnemonic.Paddw, Mnemonic.Vpaddw, SimdIntForm.Binary, LaneOp.AddW, 0),
        (Mnemonic.Paddd, Mnemonic.Vpaddd, SimdIntForm.Binary, LaneOp.AddD, 0),
        (Mnemonic.Paddq, Mnemonic.Vpaddq, SimdIntForm.Binary, LaneOp.AddQ, 0),
        (Mnemonic.Paddsb, Mnemonic.Vpaddsb, SimdIntForm.Binary, LaneOp.AddSB, 0),
        (Mnemonic.Paddsw, Mnemonic.Vpaddsw, SimdIntForm.Binary, LaneOp.AddSW, 0),
        (Mnemonic.Paddusb, Mnemonic.Vpaddusb, SimdIntForm.Binary, LaneOp.AddUSB, 0),
        (Mnemonic.Paddusw, Mnemonic.Vpaddusw, SimdIntForm.Binary, LaneOp.AddUSW, 0),
        (Mnemonic.Psubb, Mnemonic.Vpsubb, SimdIntForm.Binary, LaneOp.SubB, 0),
        (Mnemonic.Psubw, Mnemonic.Vpsubw, SimdIntForm.Binary, LaneOp.SubW, 0),
        (Mnemonic.Psubd, Mnemonic.Vpsubd, SimdIntForm.Binary, LaneOp.SubD, 0),
        (Mnemonic.Psubq, Mnemonic.Vpsubq, SimdIntForm.Binary, LaneOp.SubQ, 0),
        (Mnemonic.Psubsb, Mnemonic.Vpsubsb, SimdIntForm.Binary, LaneOp.SubSB, 0),
        (Mnemonic.Psubsw, Mnemonic.Vpsubsw, SimdIntForm.Binary, LaneOp.SubSW, 0),
        (Mnemonic.Psubusb, Mnemonic.Vpsubusb, SimdIntForm.Binary, LaneOp.SubUSB, 0),
        (Mnemonic.Psubusw, Mnemonic.Vpsubusw, SimdIntForm.Binary, LaneOp.SubUSW, 0),

        // multiply
        (Mnemonic.Pmullw, Mnemonic.Vpmullw, SimdIntForm.Binary, LaneOp.MulLoW, 0),
        (Mnemonic.Pmulhw, Mnemonic.Vpmulhw, SimdIntForm.Binary, LaneOp.MulHiW, 0),
        (Mnemonic.Pmulhuw, Mnemonic.Vpmulhuw, SimdIntForm.Binary, LaneOp.MulHiUW, 0),
        (Mnemonic.Pmuludq, Mnemonic.Vpmuludq, SimdIntForm.Binary, LaneOp.MulUDQ, 0),
        (Mnemonic.Pmulld, Mnemonic.Vpmulld, SimdIntForm.Binary, LaneOp.MulLoD, 0),
        (Mnemonic.Pmuldq, Mnemonic.Vpmuldq, SimdIntForm.Binary, LaneOp.MulDQ, 0),
        (Mnemonic.Pmulhrsw, Mnemonic.Vpmulhrsw, SimdIntForm.Binary, LaneOp.MulHRSW, 0),
        (Mnemonic.Pmaddwd, Mnemonic.Vpmaddwd, SimdIntForm.Binary, LaneOp.MAddWD, 0),
        (Mnemonic.Pmaddubsw, Mnemonic.Vpmaddubsw, SimdIntForm.Binary, LaneOp.MAddUBSW, 0),
        (Mnemonic.Psadbw, Mnemonic.Vpsadbw, SimdIntForm.Binary, LaneOp.SadBW, 0),
        (Mnemonic.Mpsadbw, Mnemonic.Vmpsadbw, SimdIntForm.Binary, LaneOp.MpSadBW, 0),
        (Mnemonic.Pavgb, Mnemonic.Vpavgb, SimdIntForm.Binary, LaneOp.AvgB, 0),
        (Mnemonic.Pavgw, Mnemonic.Vpavgw, SimdIntForm.Binary, LaneOp.AvgW, 0),

        // minimum and maximum
        (Mnemonic.Pminsb, Mnemonic.Vpminsb, SimdIntForm.Binary, LaneOp.MinSB, 0),
        (Mnemonic.Pminsw, Mnemonic.Vpminsw, SimdIntForm.Binary, LaneOp.MinSW, 0),
        (Mnemonic.Pminsd, Mnemonic.Vpminsd, SimdIntForm.Binary, LaneOp.MinSD, 0),
        (Mnemonic.Pminub, Mnemonic.Vpminub, SimdIntForm.Binary, LaneOp.MinUB, 0),
        (Mnemonic.Pminuw, Mnemonic.Vpminuw, SimdIntForm.Binary, LaneOp.MinUW, 0),
        (Mnemonic.Pminud, Mnemonic.Vpminud, SimdIntForm.Binary, LaneOp.MinUD, 0),
        (Mnemonic.Pmaxsb, Mnemonic.Vpmaxsb, SimdIntForm.Binary, LaneOp.MaxSB, 0),
        (Mnemonic.Pmaxsw, Mnemonic.Vpmaxsw, SimdIntForm.Binary, LaneOp.MaxSW, 0),
        (Mnemonic.Pmaxsd, Mnemonic.Vpmaxsd, SimdIntForm.Binary, LaneOp.MaxSD, 0),
        (Mnemonic.Pmaxub, Mnemonic.Vpmaxub, SimdIntForm.Binary, LaneOp.MaxUB, 0),
        (Mnemonic.Pmaxuw, Mnemonic.Vpmaxuw, SimdIntForm.Binary, LaneOp.MaxUW, 0),
        (Mnemonic.Pmaxud, Mnemonic.Vpmaxud, SimdIntForm.Binary, LaneOp.MaxUD, 0),

        // SSSE3 absolute value, sign, horizontal add/subtract; SSE4.1 minimum position
        (Mnemonic.Pabsb, Mnemonic.Vpabsb, SimdIntForm.Unary, LaneOp.AbsB, 0),
        (Mnemonic.Pabsw, Mnemonic.Vpabsw, SimdIntForm.Unary, LaneOp.AbsW, 0),
        (Mnemonic.Pabsd, Mnemonic.Vpabsd, SimdIntForm.Unary, LaneOp.AbsD, 0),
        (Mnemonic.Psignb, Mnemonic.Vpsignb, SimdIntForm.Binary, LaneOp.SignB, 0),
        (Mnemonic.Psignw, Mnemonic.Vpsignw, SimdIntForm.Binary, LaneOp.SignW, 0),
        (Mnemonic.Psignd, Mnemonic.Vpsignd, SimdIntForm.Binary, LaneOp.SignD, 0),
        (Mnemonic.Phaddw, Mnemonic.Vphaddw, SimdIntForm.Binary, LaneOp.HAddW, 0),
        (Mnemonic.Phaddd, Mnemonic.Vphaddd, SimdIntForm.Binary, LaneOp.HAddD, 0),
        (Mnemonic.Phaddsw, Mnemonic.Vphaddsw, SimdIntForm.Binary, LaneOp.HAddSW, 0),
        (Mnemonic.Phsubw, Mnemonic.Vphsubw, SimdIntForm.Binary, LaneOp.HSubW, 0),
        (Mnemonic.Phsubd, Mnemonic.Vphsubd, SimdIntForm.Binary, LaneOp.HSubD, 0),
        (Mnemonic.Phsubsw, Mnemonic.Vphsubsw, SimdIntForm.Binary, LaneOp.HSubSW, 0),
        (Mnemonic.Phminposuw, Mnemonic.Vphminposuw, SimdIntForm.Unary, LaneOp.MinPosUW, 0),

        // compares
        (Mnemonic.Pcmpeqb, Mnemonic.Vpcmpeqb, SimdIntForm.Binary, LaneOp.CmpEqB, 0),
        (Mnemonic.Pcmpeqw, Mnemonic.Vpcmpeqw, SimdIntForm.Binary, LaneOp.CmpEqW, 0),
        (Mnemonic.Pcmpeqd, Mnemonic.Vpcmpeqd, SimdIntForm.Binary, LaneOp.CmpEqD, 0),
        (Mnemonic.Pcmpeqq, Mnemonic.Vpcmpeqq, SimdIntForm.Binary, LaneOp.CmpEqQ, 0),
        (Mnemonic.Pcmpgtb, Mnemonic.Vpcmpgtb, SimdIntForm.Binary, LaneOp.CmpGtB, 0),
        (Mnemonic.Pcmpgtw, Mnemonic.Vpcmpgtw, SimdIntForm.Binary, LaneOp.CmpGtW, 0),
        (Mnemonic.Pcmpgtd, Mnemonic.Vpcmpgtd, SimdIntForm.Binary, LaneOp.CmpGtD, 0),
        (Mnemonic.Pcmpgtq, Mnemonic.Vpcmpgtq, SimdIntForm.Binary, LaneOp.CmpGtQ, 0),

        // shifts: the xmm/m128-count codes are Binary, the imm8 codes ShiftImm (see Build)
        (Mnemonic.Psllw, Mnemonic.Vpsllw, SimdIntForm.Binary, LaneOp.SllW, 0),
        (Mnemonic.Pslld, Mnemonic.Vpslld, SimdIntForm.Binary, LaneOp.SllD, 0),
        (Mnemonic.Psllq, Mnemonic.Vpsllq, SimdIntForm.Binary, LaneOp.SllQ, 0),
        (Mnemonic.Psrlw, Mnemonic.Vpsrlw, SimdIntForm.Binary, LaneOp.SrlW, 0),
        (Mnemonic.Psrld, Mnemonic.Vpsrld, SimdIntForm.Binary, LaneOp.SrlD, 0),
        (Mnemonic.Psrlq, Mnemonic.Vpsrlq, SimdIntForm.Binary, LaneOp.SrlQ, 0),
        (Mnemonic.Psraw, Mnemonic.Vpsraw, SimdIntForm.Binary, LaneOp.SraW, 0),
        (Mnemonic.Psrad, Mnemonic.Vpsrad, SimdIntForm.Binary, LaneOp.SraD, 0),
        (Mnemonic.Pslldq, Mnemonic.Vpslldq, SimdIntForm.ShiftImm, LaneOp.SllDQ, 0),
        (Mnemonic.Psrldq, Mnemonic.Vpsrldq, SimdIntForm.ShiftImm, LaneOp.SrlDQ, 0),

        // packs and unpacks
        (Mnemonic.Packsswb, Mnemonic.Vpacksswb, SimdIntForm.Binary, LaneOp.PackSSWB, 0),
        (Mnemonic.Packuswb, Mnemonic.Vpackuswb, SimdIntForm.Binary, LaneOp.PackUSWB, 0),
        (Mnemonic.Packssdw, Mnemonic.Vpackssdw, SimdIntForm.Binary, LaneOp.PackSSDW, 0),
        (Mnemonic.Packusdw, Mnemonic.Vpackusdw, SimdIntForm.Binary, LaneOp.PackUSDW, 0),
        (Mnemonic.Punpcklbw, Mnemonic.Vpunpcklbw, SimdIntForm.Binary, LaneOp.UnpackLoB, 0),
        (Mnemonic.Punpcklwd, Mnemonic.Vpunpcklwd, SimdIntForm.Binary, LaneOp.UnpackLoW, 0),
        (Mnemonic.Punpckldq, Mnemonic.Vpunpckldq, SimdIntForm.Binary, LaneOp.UnpackLoD, 0),
        (Mnemonic.Punpcklqdq, Mnemonic.Vpunpcklqdq, SimdIntForm.Binary, LaneOp.UnpackLoQ, 0),
        (Mnemonic.Punpckhbw, Mnemonic.Vpunpckhbw, SimdIntForm.Binary, LaneOp.UnpackHiB, 0),
        (Mnemonic.Punpckhwd, Mnemonic.Vpunpckhwd, SimdIntForm.Binary, LaneOp.UnpackHiW, 0),
        (Mnemonic.Punpckhdq, Mnemonic.Vpunpckhdq, SimdIntForm.Binary, LaneOp.UnpackHiD, 0),
        (Mnemonic.Punpckhqdq, Mnemonic.Vpunpckhqdq, SimdIntForm.Binary, LaneOp.UnpackHiQ, 0),
        (Mnemonic.Unpcklps, Mnemonic.Vunpcklps, SimdIntForm.Binary, LaneOp.UnpackLoD, 0),
        (Mnemonic.Unpckhps, Mnemonic.Vunpckhps, SimdIntForm.Binary, LaneOp.UnpackHiD, 0),
        (Mnemonic.Unpcklpd, Mnemonic.Vunpcklpd, SimdIntForm.Binary, LaneOp.UnpackLoQ, 0),
        (Mnemonic.Unpckhpd, Mnemonic.Vunpckhpd, SimdIntForm.Binary, LaneOp.UnpackHiQ, 0),

        // shuffles, blends, element insert/extract, widening moves
        (Mnemonic.Pshufd, Mnemonic.Vpshufd, SimdIntForm.Unary, LaneOp.ShufD, 0),
        (Mnemonic.Pshufhw, Mnemonic.Vpshufhw, SimdIntForm.Unary, LaneOp.ShufHW, 0),
        (Mnemonic.Pshuflw, Mnemonic.Vpshuflw, SimdIntForm.Unary, LaneOp.ShufLW, 0),
        (Mnemonic.Pshufb, Mnemonic.Vpshufb, SimdIntForm.Binary, LaneOp.ShufB, 0),
        (Mnemonic.Palignr, Mnemonic.Vpalignr, SimdIntForm.Binary, LaneOp.AlignR, 0),
        (Mnemonic.Shufps, Mnemonic.Vshufps, SimdIntForm.Binary, LaneOp.ShufPS, 0),
        (Mnemonic.Shufpd, Mnemonic.Vshufpd, SimdIntForm.Binary, LaneOp.ShufPD, 0),
        (Mnemonic.Pblendw, Mnemonic.Vpblendw, SimdIntForm.Binary, LaneOp.BlendW, 0),
        (Mnemonic.Blendps, Mnemonic.Vblendps, SimdIntForm.Binary, LaneOp.BlendPS, 0),
        (Mnemonic.Blendpd, Mnemonic.Vblendpd, SimdIntForm.Binary, LaneOp.BlendPD, 0),
        (Mnemonic.Pblendvb, Mnemonic.Vpblendvb, SimdIntForm.BlendV, LaneOp.BlendVB, 0),
        (Mnemonic.Blendvps, Mnemonic.Vblendvps, SimdIntForm.BlendV, LaneOp.BlendVPS, 0),
        (Mnemonic.Blendvpd, Mnemonic.Vblendvpd, SimdIntForm.BlendV, LaneOp.BlendVPD, 0),
        (Mnemonic.Insertps, Mnemonic.Vinsertps, SimdIntForm.InsertPs, LaneOp.None, 4),
        (Mnemonic.Extractps, Mnemonic.Vextractps, SimdIntForm.Extract, LaneOp.None, 4),
        (Mnemonic.Pinsrb, Mnemonic.Vpinsrb, SimdIntForm.Insert, LaneOp.None, 1),
        (Mnemonic.Pinsrw, Mnemonic.Vpinsrw, SimdIntForm.Insert, LaneOp.None, 2),
        (Mnemonic.Pinsrd, Mnemonic.Vpinsrd, SimdIntForm.Insert, LaneOp.None, 4),
        (Mnemonic.Pinsrq, Mnemonic.Vpinsrq, SimdIntForm.Insert, LaneOp.None, 8),
        (Mnemonic.Pextrb, Mnemonic.Vpextrb, SimdIntForm.Extract, LaneOp.None, 1),
        (Mnemonic.Pextrw, Mnemonic.Vpextrw, SimdIntForm.Extract, LaneOp.None, 2),
        (Mnemonic.Pextrd, Mnemonic.Vpextrd, SimdIntForm.Extract, LaneOp.None, 4),
        (Mnemonic.Pextrq, Mnemonic.Vpextrq, SimdIntForm.Extract, LaneOp.None, 8),
        (Mnemonic.Pmovzxbw, Mnemonic.Vpmovzxbw, SimdIntForm.Extend, LaneOp.ZxBW, 0),
        (Mnemonic.Pmovzxbd, Mnemonic.Vpmovzxbd, SimdIntForm.Extend, LaneOp.ZxBD, 0),
        (Mnemonic.Pmovzxbq, Mnemonic.Vpmovzxbq, SimdIntForm.Extend, LaneOp.ZxBQ, 0),
        (Mnemonic.Pmovzxwd, Mnemonic.Vpmovzxwd, SimdIntForm.Extend, LaneOp.ZxWD, 0),
        (Mnemonic.Pmovzxwq, Mnemonic.Vpmovzxwq, SimdIntForm.Extend, LaneOp.ZxWQ, 0),
        (Mnemonic.Pmovzxdq, Mnemonic.Vpmovzxdq, SimdIntForm.Extend, LaneOp.ZxDQ, 0),
        (Mnemonic.Pmovsxbw, Mnemonic.Vpmovsxbw, SimdIntForm.Extend, LaneOp.SxBW, 0),
        (Mnemonic.Pmovsxbd, Mnemonic.Vpmovsxbd, SimdIntForm.Extend, LaneOp.SxBD, 0),
        (Mnemonic.Pmovsxbq, Mnemonic.Vpmovsxbq, SimdIntForm.Extend, LaneOp.SxBQ, 0),
        (Mnemonic.Pmovsxwd, Mnemonic.Vpmovsxwd, SimdIntForm.Extend, LaneOp.SxWD, 0),
        (Mnemonic.Pmovsxwq, Mnemonic.Vpmovsxwq, SimdIntForm.Extend, LaneOp.SxWQ, 0),
        (Mnemonic.Pmovsxdq, Mnemonic.Vpmovsxdq, SimdIntForm.Extend, LaneOp.SxDQ, 0),
    ];
}
