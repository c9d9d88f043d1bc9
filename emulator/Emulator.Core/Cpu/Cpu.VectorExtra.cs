using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The VectorExtra unit: BMI1/BMI2, the SSE4.2 string and CRC32 instructions, the AVX2-only and
/// AVX 256-bit permutes, broadcasts, masked moves and gathers, MMX (with its SSE/SSSE3 extensions),
/// fences, prefetches, cache-line flushes and MOVNTI. Its design note is
/// <c>docs/design/cpu-vector-extra.md</c>.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>Every mnemonic this unit executes. Forms of a listed mnemonic that belong to another
    /// unit (the XMM forms of <c>paddb</c>, <c>movd</c>, <c>movq</c>...) are left to it.</summary>
    internal static readonly Mnemonic[] VectorExtraMnemonics =
    [
        // BMI1, BMI2
        Mnemonic.Andn, Mnemonic.Bextr, Mnemonic.Blsi, Mnemonic.Blsmsk, Mnemonic.Blsr, Mnemonic.Bzhi,
        Mnemonic.Mulx, Mnemonic.Pdep, Mnemonic.Pext, Mnemonic.Rorx, Mnemonic.Sarx, Mnemonic.Shlx, Mnemonic.Shrx,
        // SSE4.2 (and the VEX.128 string compares)
        Mnemonic.Crc32, Mnemonic.Pcmpestri, Mnemonic.Pcmpestri64, Mnemonic.Pcmpestrm, Mnemonic.Pcmpestrm64,
        Mnemonic.Pcmpistri, Mnemonic.Pcmpistrm, Mnemonic.Vpcmpestri, Mnemonic.Vpcmpestri64, Mnemonic.Vpcmpestrm,
        Mnemonic.Vpcmpestrm64, Mnemonic.Vpcmpistri, Mnemonic.Vpcmpistrm,
        // AVX2-only and AVX 256-bit specials
        Mnemonic.Vpermd, Mnemonic.Vpermq, Mnemonic.Vpermps, Mnemonic.Vpermpd, Mnemonic.Vperm2i128, Mnemonic.Vperm2f128,
        Mnemonic.Vpermilps, Mnemonic.Vpermilpd, Mnemonic.Vpblendd,
        Mnemonic.Vbroadcastss, Mnemonic.Vbroadcastsd, Mnemonic.Vbroadcastf128, Mnemonic.Vbroadcasti128,
        Mnemonic.Vpbroadcastb, Mnemonic.Vpbroadcastw, Mnemonic.Vpbroadcastd, Mnemonic.Vpbroadcastq,
        Mnemonic.Vinsertf128, Mnemonic.Vinserti128, Mnemonic.Vextractf128, Mnemonic.Vextracti128,
        Mnemonic.Vpmaskmovd, Mnemonic.Vpmaskmovq, Mnemonic.Vmaskmovps, Mnemonic.Vmaskmovpd,
        Mnemonic.Vpgatherdd, Mnemonic.Vpgatherdq, Mnemonic.Vpgatherqd, Mnemonic.Vpgatherqq,
        Mnemonic.Vgatherdps, Mnemonic.Vgatherdpd, Mnemonic.Vgatherqps, Mnemonic.Vgatherqpd,
        Mnemonic.Vpsllvd, Mnemonic.Vpsllvq, Mnemonic.Vpsrlvd, Mnemonic.Vpsrlvq, Mnemonic.Vpsravd,
        Mnemonic.Vzeroupper, Mnemonic.Vzeroall, Mnemonic.Vtestps, Mnemonic.Vtestpd,
        // MMX, and the SSE/SSE2/SSSE3 forms on MM registers (only the MM forms of the shared mnemonics)
        Mnemonic.Emms, Mnemonic.Movd, Mnemonic.Movq, Mnemonic.Movntq, Mnemonic.Movq2dq, Mnemonic.Movdq2q, Mnemonic.Maskmovq,
        Mnemonic.Paddb, Mnemonic.Paddw, Mnemonic.Paddd, Mnemonic.Paddq, Mnemonic.Paddsb, Mnemonic.Paddsw, Mnemonic.Paddusb,
        Mnemonic.Paddusw, Mnemonic.Psubb, Mnemonic.Psubw, Mnemonic.Psubd, Mnemonic.Psubq, Mnemonic.Psubsb, Mnemonic.Psubsw,
        Mnemonic.Psubusb, Mnemonic.Psubusw, Mnemonic.Pmullw, Mnemonic.Pmulhw, Mnemonic.Pmulhuw, Mnemonic.Pmaddwd,
        Mnemonic.Pmuludq, Mnemonic.Pand, Mnemonic.Pandn, Mnemonic.Por, Mnemonic.Pxor, Mnemonic.Pcmpeqb, Mnemonic.Pcmpeqw,
        Mnemonic.Pcmpeqd, Mnemonic.Pcmpgtb, Mnemonic.Pcmpgtw, Mnemonic.Pcmpgtd, Mnemonic.Psllw, Mnemonic.Pslld,
        Mnemonic.Psllq, Mnemonic.Psrlw, Mnemonic.Psrld, Mnemonic.Psrlq, Mnemonic.Psraw, Mnemonic.Psrad, Mnemonic.Packsswb,
        Mnemonic.Packssdw, Mnemonic.Packuswb, Mnemonic.Punpcklbw, Mnemonic.Punpcklwd, Mnemonic.Punpckldq,
        Mnemonic.Punpckhbw, Mnemonic.Punpckhwd, Mnemonic.Punpckhdq, Mnemonic.Pshufw, Mnemonic.Pavgb, Mnemonic.Pavgw,
        Mnemonic.Pextrw, Mnemonic.Pinsrw, Mnemonic.Pmaxsw, Mnemonic.Pmaxub, Mnemonic.Pminsw, Mnemonic.Pminub,
        Mnemonic.Pmovmskb, Mnemonic.Psadbw, Mnemonic.Pshufb, Mnemonic.Palignr, Mnemonic.Phaddw, Mnemonic.Phaddd,
        Mnemonic.Phaddsw, Mnemonic.Phsubw, Mnemonic.Phsubd, Mnemonic.Phsubsw, Mnemonic.Pabsb, Mnemonic.Pabsw,
        Mnemonic.Pabsd, Mnemonic.Psignb, Mnemonic.Psignw, Mnemonic.Psignd, Mnemonic.Pmulhrsw, Mnemonic.Pmaddubsw,
        // fences, prefetch hints, cache-line flushes, non-temporal store
        Mnemonic.Lfence, Mnemonic.Mfence, Mnemonic.Sfence, Mnemonic.Prefetch, Mnemonic.Prefetchw, Mnemonic.Prefetchwt1,
        Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2, Mnemonic.Prefetchit0,
        Mnemonic.Prefetchit1, Mnemonic.Clflush, Mnemonic.Clflushopt, Mnemonic.Movnti,
    ];

    /// <summary>Executes <paramref name="i"/> when it belongs to this unit.</summary>
    /// <returns>false when the instruction is not this unit's (<paramref name="ok"/> is then meaningless);
    /// true when it was handled, with <paramref name="ok"/> the handler's result (false: it exited).</returns>
    private bool TryExecVectorExtra(in Instruction i, out bool ok)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Andn: case Mnemonic.Bextr: case Mnemonic.Blsi: case Mnemonic.Blsmsk: case Mnemonic.Blsr:
            case Mnemonic.Bzhi: case Mnemonic.Mulx: case Mnemonic.Pdep: case Mnemonic.Pext: case Mnemonic.Rorx:
            case Mnemonic.Sarx: case Mnemonic.Shlx: case Mnemonic.Shrx:
                ok = ExecBmi(i);
                return true;
            case Mnemonic.Crc32:
                ok = ExecCrc32(i);
                return true;
            case Mnemonic.Pcmpestri: case Mnemonic.Pcmpestri64: case Mnemonic.Pcmpestrm: case Mnemonic.Pcmpestrm64:
            case Mnemonic.Pcmpistri: case Mnemonic.Pcmpistrm: case Mnemonic.Vpcmpestri: case Mnemonic.Vpcmpestri64:
            case Mnemonic.Vpcmpestrm: case Mnemonic.Vpcmpestrm64: case Mnemonic.Vpcmpistri: case Mnemonic.Vpcmpistrm:
                ok = ExecPcmpStr(i);
                return true;
            case Mnemonic.Vpermd: case Mnemonic.Vpermq: case Mnemonic.Vpermps: case Mnemonic.Vpermpd:
            case Mnemonic.Vperm2i128: case Mnemonic.Vperm2f128: case Mnemonic.Vpermilps: case Mnemonic.Vpermilpd:
            case Mnemonic.Vpblendd:
                ok = ExecVexPermute(i);
                return true;
            case Mnemonic.Vbroadcastss: case Mnemonic.Vbroadcastsd: case Mnemonic.Vbroadcastf128: case Mnemonic.Vbroadcasti128:
            case Mnemonic.Vpbroadcastb: case Mnemonic.Vpbroadcastw: case Mnemonic.Vpbroadcastd: case Mnemonic.Vpbroadcastq:
            case Mnemonic.Vinsertf128: case Mnemonic.Vinserti128: case Mnemonic.Vextractf128: case Mnemonic.Vextracti128:
                ok = ExecVexBroadcastInsert(i);
                return true;
            case Mnemonic.Vpmaskmovd: case Mnemonic.Vpmaskmovq: case Mnemonic.Vmaskmovps: case Mnemonic.Vmaskmovpd:
                ok = ExecVexMaskMove(i);
                return true;
            case Mnemonic.Vpgatherdd: case Mnemonic.Vpgatherdq: case Mnemonic.Vpgatherqd: case Mnemonic.Vpgatherqq:
            case Mnemonic.Vgatherdps: case Mnemonic.Vgatherdpd: case Mnemonic.Vgatherqps: case Mnemonic.Vgatherqpd:
                ok = ExecGather(i);
                return true;
            case Mnemonic.Vpsllvd: case Mnemonic.Vpsllvq: case Mnemonic.Vpsrlvd: case Mnemonic.Vpsrlvq: case Mnemonic.Vpsravd:
                ok = ExecVexVariableShift(i);
                return true;
            case Mnemonic.Vzeroupper: case Mnemonic.Vzeroall:
                ok = ExecVexZero(i);
                return true;
            case Mnemonic.Vtestps: case Mnemonic.Vtestpd:
                ok = ExecVexTest(i);
                return true;
            case Mnemonic.Lfence: case Mnemonic.Mfence: case Mnemonic.Sfence: case Mnemonic.Prefetch: case Mnemonic.Prefetchw:
            case Mnemonic.Prefetchwt1: case Mnemonic.Prefetchnta: case Mnemonic.Prefetcht0: case Mnemonic.Prefetcht1:
            case Mnemonic.Prefetcht2: case Mnemonic.Prefetchit0: case Mnemonic.Prefetchit1: case Mnemonic.Clflush:
            case Mnemonic.Clflushopt: case Mnemonic.Movnti:
                ok = ExecMisc(i);
                return true;
            default:
                return TryExecMmx(i, out ok);
        }
    }
}
