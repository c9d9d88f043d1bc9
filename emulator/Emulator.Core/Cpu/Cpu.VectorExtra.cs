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
            default:
                ok = false;
                return false;
        }
    }
}
