namespace Emulator.Core.Cpu.X87;

/// <summary>
/// FSIN, FCOS, FSINCOS and FPTAN. The argument is reduced as the x87 does it: by multiples of π/2
/// taken from a 66-bit approximation of π (SDM Vol. 1 §8.3.8; measured on this host: results match
/// sin/cos of x − q·π₆₆/2 and not of the exact reduction), exactly, to |r| ≤ π₆₆/4; the function of r
/// is then evaluated in 128-bit precision and rounded once. |x| ≥ 2^63 is out of range: C2 = 1 and
/// the operand is left unchanged.
/// </summary>
public static partial class SoftFloat80
{
    /// <summary>π₆₆ × 2^64: π rounded to 66 significant bits (0x3_243F_6A88_85A3_08D3), so π₆₆/2 = this × 2^-65.</summary>
    private static readonly UInt128 s_pi66 = new(0x3, 0x243F_6A88_85A3_08D3);

    /// <summary>sin and cos of <paramref name="a"/> (FSIN, FCOS, FSINCOS), each rounded by RC. Flags of
    /// both roundings accumulate in <paramref name="c"/>; FSINCOS wants them, FSIN/FCOS call with one.</summary>
    /// <returns>false when |a| ≥ 2^63 (out of range: C2 = 1, nothing else changes).</returns>
    public static bool SinCos(Ext80 a, bool wantSin, bool wantCos, out Ext80 sin, out Ext80 cos, ref X87Context c)
    {
        sin = cos = default;
        if (!TrigSpecial(a, ref c, out Ext80 special, out bool inRange))
        {
            sin = cos = special;
            if (a.IsZero)
            {
                cos = Ext80.One;
            }
            return inRange;
        }
        Reduce(a, out WideFloat r, out int q);
        SinCosSeries(r, out WideFloat s, out WideFloat co, out int sRes, out int cRes);
        // sin(r + qπ/2), cos(r + qπ/2), then the sign of a for sin (residuals are in magnitude).
        (WideFloat ws, int wsRes, WideFloat wc, int wcRes) = (q & 3) switch
        {
            0 => (s, sRes, co, cRes),
            1 => (co, cRes, -s, sRes),
            2 => (-s, sRes, -co, cRes),
            _ => (-co, cRes, s, sRes),
        };
        if (a.Sign)
        {
            ws = -ws;
        }
        if (wantSin)
        {
            sin = ws.ToExt80(ref c, wsRes);
        }
        if (wantCos)
        {
            X87Context cc = c;
            cos = wc.ToExt80(ref cc, wcRes);
            c.Flags |= cc.Flags & ~X87Exceptions.RoundedUp;
            if (!wantSin)
            {
                c.Flags |= cc.Flags;
            }
        }
        return true;
    }

    /// <summary>FPTAN: tan(a) rounded by RC.</summary>
    /// <returns>false when |a| ≥ 2^63.</returns>
    public static bool Tan(Ext80 a, out Ext80 tan, ref X87Context c)
    {
        if (!TrigSpecial(a, ref c, out tan, out bool inRange))
        {
            return inRange;
        }
        Reduce(a, out WideFloat r, out int q);
        SinCosSeries(r, out WideFloat s, out WideFloat co, out _, out _);
        WideFloat t = (q & 1) == 0 ? s / co : -(co / s);
        // For a tiny r the 128-bit quotient is r itself (or −1/r); the omitted part decides the rounding:
        // tan r = r + r³/3 lies just above r, −cot r = −(1/r − r/3) just below 1/r in magnitude. (This
        // host's FPTAN puts tiny arguments' results on either side of r in a pattern not reproduced
        // here: about a third of them differ by 1 ulp; see docs/design/cpu-x87.md.)
        int residual = r.Exp < -32 ? ((q & 1) == 0 ? 1 : -1) : 0;
        tan = (a.Sign ? -t : t).ToExt80(ref c, residual);
        return true;
    }

    /// <summary>The operands that need no evaluation: NaN, unsupported, ∞ (#IA), zero (itself), |x| ≥ 2^63.</summary>
    /// <returns>true when <paramref name="a"/> must be evaluated.</returns>
    private static bool TrigSpecial(Ext80 a, ref X87Context c, out Ext80 result, out bool inRange)
    {
        inRange = true;
        result = default;
        if (a.IsUnsupported || a.IsInfinity)
        {
            result = Invalid(ref c);
            return false;
        }
        if (a.IsNaN)
        {
            result = PropagateNaN(a, ref c);
            return false;
        }
        if (a.IsZero)
        {
            result = a;
            return false;
        }
        if (a.Exponent >= Ext80.Bias + 63)
        {
            inRange = false;
            return false;
        }
        if (!DenormalCheck(a, ref c))
        {
            return false;
        }
        return true;
    }

    /// <summary>r = |a| − q·π₆₆/2 exactly, q the nearest integer to |a| / (π₆₆/2).</summary>
    private static void Reduce(Ext80 a, out WideFloat r, out int q)
    {
        int e = Normalize(a, out ulong m) - Ext80.Bias;   // |a| = m × 2^(e−63)
        if (e < -1)
        {
            r = WideFloat.FromExt80(a.Abs());
            q = 0;
            return;
        }
        // |a| = n × 2^-65 with n = m × 2^(e+2) < 2^128 (e ≤ 62); π₆₆/2 = s_pi66 × 2^-65.
        UInt128 n = (UInt128)m << (e + 2);
        UInt128 k = n / s_pi66;
        UInt128 rest = n - k * s_pi66;
        if (rest > s_pi66 >> 1)
        {
            // Nearer the next multiple (s_pi66 is odd: never a tie).
            k++;
            r = new WideFloat(true, 127 - 65, s_pi66 - rest);
        }
        else
        {
            r = new WideFloat(false, 127 - 65, rest);
        }
        q = (int)(k & 3);
    }

    /// <summary>sin r and cos r by their Taylor series (|r| ≤ π/4 + ε: 2^-130 after about 35 terms), with
    /// the sign of each first omitted term relative to its sum (+1: the true value is above in magnitude).</summary>
    private static void SinCosSeries(WideFloat r, out WideFloat sin, out WideFloat cos, out int sinResidual, out int cosResidual)
    {
        sinResidual = cosResidual = 0;
        WideFloat r2 = r * r;
        WideFloat ts = r, tc = WideFloat.One;
        sin = r;
        cos = WideFloat.One;
        for (uint n = 1; n < 40; n++)
        {
            ts = -(ts * r2).DivSmall((2 * n) * (2 * n + 1));
            tc = -(tc * r2).DivSmall((2 * n - 1) * (2 * n));
            bool sDone = sinResidual != 0 || ts.IsZero || ts.Exp < sin.Exp - 130;
            bool cDone = cosResidual != 0 || tc.IsZero || tc.Exp < cos.Exp - 130;
            if (!sDone)
            {
                sin += ts;
            }
            else if (sinResidual == 0 && !ts.IsZero)
            {
                sinResidual = ts.Sign == sin.Sign ? 1 : -1;
            }
            if (!cDone)
            {
                cos += tc;
            }
            else if (cosResidual == 0 && !tc.IsZero)
            {
                cosResidual = tc.Sign == cos.Sign ? 1 : -1;
            }
            if (sDone && cDone)
            {
                break;
            }
        }
    }
}
