namespace Emulator.Core.Cpu.X87;

public static partial class SoftFloat80
{
    /// <summary>FXAM's class of a non-empty register (a pseudo-denormal reads as denormal).</summary>
    public static X87Class Examine(Ext80 a)
    {
        if (a.IsZero)
        {
            return X87Class.Zero;
        }
        if (a.IsDenormalOperand)
        {
            return X87Class.Denormal;
        }
        if (a.IsUnsupported)
        {
            return X87Class.Unsupported;
        }
        if (a.Exponent == Ext80.MaxExponent)
        {
            return a.IsInfinity ? X87Class.Infinity : X87Class.NaN;
        }
        return X87Class.Normal;
    }
}
