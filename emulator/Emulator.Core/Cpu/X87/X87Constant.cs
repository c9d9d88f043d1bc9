namespace Emulator.Core.Cpu.X87;

/// <summary>The constants FLD1, FLDZ, FLDPI, FLDL2E, FLDL2T, FLDLG2 and FLDLN2 load.</summary>
public enum X87Constant : byte
{
    One,
    Zero,
    Pi,
    Log2E,
    Log2Ten,
    Log10Two,
    LnTwo,
}
