using System.Globalization;
using Emulator.Core.Cpu.X87;

namespace Emulator.Tests.Cpu.X87;

/// <summary>
/// The one place the x87 tests accept less than bit equality: the transcendental instructions (F2XM1,
/// FYL2X, FYL2XP1, FPATAN, FSIN, FCOS, FSINCOS, FPTAN). The emulator returns the correctly rounded
/// result; this host's processor does not always (it is documented to be within 1 ulp), so a result
/// register may differ by 1 ulp and C1 ("rounded up") with it. Everything else — the other FSW bits,
/// TOP, tags, every other register, memory and RFLAGS — must still be identical.
/// </summary>
internal static class X87Tolerance
{
    public static bool IsTranscendental(string form) =>
        form is "f2xm1" or "fyl2x" or "fyl2xp1" or "fpatan" or "fsin" or "fcos" or "fsincos" or "fptan";

    /// <summary>Whether two outcomes (<see cref="X87Inputs.Outcome"/> text) agree within the tolerance.</summary>
    public static bool WithinOneUlp(string expected, string actual)
    {
        string[] e = expected.Split(' '), a = actual.Split(' ');
        if (e.Length != a.Length)
        {
            return false;
        }
        for (int k = 0; k < e.Length; k++)
        {
            if (e[k] == a[k])
            {
                continue;
            }
            string key = e[k][..e[k].IndexOf('=', StringComparison.Ordinal)];
            if (!a[k].StartsWith(key + "=", StringComparison.Ordinal))
            {
                return false;
            }
            string ev = e[k][(key.Length + 1)..], av = a[k][(key.Length + 1)..];
            if (key == "sw")
            {
                int x = int.Parse(ev, NumberStyles.HexNumber, CultureInfo.InvariantCulture) ^ int.Parse(av, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                if ((x & ~0x0200) != 0)
                {
                    return false;
                }
            }
            else if (key.StartsWith("st", StringComparison.Ordinal))
            {
                Ext80 x = Ext80.Parse(ev), y = Ext80.Parse(av);
                if (x.Sign != y.Sign || x.Exponent == 0x7FFF || y.Exponent == 0x7FFF || Math.Abs((decimal)Index(x) - Index(y)) > 1)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Position of a finite magnitude among the representable ones (adjacent values differ by 1).</summary>
    private static ulong Index(Ext80 v) =>
        v.Exponent == 0 ? v.Significand : ((ulong)v.Exponent << 63) + (v.Significand & ~Ext80.IntegerBit);
}
