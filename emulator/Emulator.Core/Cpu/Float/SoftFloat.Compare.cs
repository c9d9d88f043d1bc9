namespace Emulator.Core.Cpu.Float;

internal static partial class SoftFloat
{
    /// <summary>
    /// Compares a with b (CMPPS/CMPSS lanes, COMISS, UCOMISS). A signalling NaN reports IE; a quiet
    /// NaN reports IE only when <paramref name="signalQuiet"/> (the signalling predicates, COMISS).
    /// DE is reported for a denormal source when neither is a NaN.
    /// </summary>
    public static FloatRelation Compare<F>(ulong a, ulong b, bool signalQuiet, ref FloatEnv env) where F : struct, IFloatFormat
    {
        a = Input<F>(a, env);
        b = Input<F>(b, env);
        if (IsNaN<F>(a) || IsNaN<F>(b))
        {
            if (signalQuiet || IsSignalling<F>(a) || IsSignalling<F>(b))
            {
                env.Pre |= MxcsrBits.IE;
            }
            return FloatRelation.Unordered;
        }
        NoteDenormal<F>(a, ref env);
        NoteDenormal<F>(b, ref env);
        long ka = OrderKey<F>(a);
        long kb = OrderKey<F>(b);
        return ka < kb ? FloatRelation.Less : ka > kb ? FloatRelation.Greater : FloatRelation.Equal;
    }

    /// <summary>Per CMPPS predicate (imm8 bits 4:0): the relations for which it is true.</summary>
    private static readonly FloatRelation[] s_predicateTrue = BuildPredicates();

    /// <summary>Whether predicate <paramref name="predicate"/> (0–31) holds for <paramref name="r"/>.</summary>
    public static bool PredicateHolds(int predicate, FloatRelation r) => (s_predicateTrue[predicate & 31] & r) != 0;

    /// <summary>Whether predicate <paramref name="predicate"/> signals IE on a quiet NaN (the _OS/_US
    /// predicates of SDM Vol. 2A Table 3-1).</summary>
    public static bool PredicateSignals(int predicate)
    {
        // 1, 2, 5, 6, 9, 10, 13, 14 signal; predicates 16–31 swap signalling and quiet.
        int low = predicate & 15;
        bool signals = (low & 3) is 1 or 2;
        return signals ^ (predicate >= 16);
    }

    private static FloatRelation[] BuildPredicates()
    {
        const FloatRelation L = FloatRelation.Less, E = FloatRelation.Equal, G = FloatRelation.Greater, U = FloatRelation.Unordered;
        // EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD, EQ_U, NGE, NGT, FALSE, NEQ_O, GE, GT, TRUE
        FloatRelation[] low = [E, L, L | E, U, L | G | U, E | G | U, G | U, L | E | G,
            E | U, L | U, L | E | U, 0, L | G, G | E, G, L | E | G | U];
        var all = new FloatRelation[32];
        for (int p = 0; p < 32; p++)
        {
            all[p] = low[p & 15];
        }
        return all;
    }
}
