namespace Emulator.Core.Cpu.X87;

public static partial class SoftFloat80
{
    // 128 bits of each constant's significand (J at bit 127) and its biased exponent.
    private static readonly (ulong Hi, ulong Lo, ushort Exp)[] s_constants =
    [
        (0x8000_0000_0000_0000, 0, Ext80.Bias),
        (0, 0, 0),
        (0xC90F_DAA2_2168_C234, 0xC4C6_628B_80DC_1CD1, Ext80.Bias + 1),
        (0xB8AA_3B29_5C17_F0BB, 0xBE87_FED0_691D_3E88, Ext80.Bias),
        (0xD49A_784B_CD1B_8AFE, 0x492B_F6FF_4DAF_DB4C, Ext80.Bias + 1),
        (0x9A20_9A84_FBCF_F798, 0x8F89_59AC_0B7C_9178, Ext80.Bias - 2),
        (0xB172_17F7_D1CF_79AB, 0xC9E3_B398_03F2_F6AF, Ext80.Bias - 1),
    ];

    /// <summary>A constant rounded to 64 bits by <paramref name="rc"/> (SDM Vol. 1 §8.3.7: the
    /// constants are stored with more bits and rounded by RC). No flag is raised.</summary>
    public static Ext80 Constant(X87Constant which, X87Rounding rc)
    {
        (ulong hi, ulong lo, ushort exp) = s_constants[(int)which];
        if (hi == 0)
        {
            return Ext80.PositiveZero;
        }
        ulong r = RoundSig(false, hi, lo, 0, rc, out _, out _, out _);
        return new Ext80(r, exp);
    }
}
