using System.Buffers.Binary;
using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu;

public sealed partial class CpuState
{
    /// <summary>Writes the 512-byte FXSAVE64 image (SDM Vol. 1 §10.5.1 Table 10-2): FCW, abridged
    /// FTW, FSW, FOP, FIP, FDP, MXCSR, MXCSR_MASK, ST0–7 (in stack order, 16 bytes each), XMM0–15.</summary>
    public void SaveFxsave(Span<byte> area)
    {
        area[..512].Clear();
        var f = Fpu;
        BinaryPrimitives.WriteUInt16LittleEndian(area, f.ControlWord);
        BinaryPrimitives.WriteUInt16LittleEndian(area[2..], f.StatusWord);
        byte abridged = 0;
        for (int r = 0; r < 8; r++)
        {
            if (((f.TagWord >> (2 * r)) & 3) != 3)
            {
                abridged |= (byte)(1 << r);
            }
        }
        area[4] = abridged;
        BinaryPrimitives.WriteUInt16LittleEndian(area[6..], f.LastOpcode);
        BinaryPrimitives.WriteUInt64LittleEndian(area[8..], f.LastInstructionPointer);
        BinaryPrimitives.WriteUInt64LittleEndian(area[16..], f.LastDataPointer);
        BinaryPrimitives.WriteUInt32LittleEndian(area[24..], Mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(area[28..], MxcsrMask);
        int top = f.Top;
        for (int i = 0; i < 8; i++)
        {
            int phys = (top + i) & 7;
            BinaryPrimitives.WriteUInt64LittleEndian(area[(32 + 16 * i)..], f.Significand[phys]);
            BinaryPrimitives.WriteUInt16LittleEndian(area[(40 + 16 * i)..], f.SignExponent[phys]);
        }
        for (int n = 0; n < 16; n++)
        {
            Ymm[n].GetLower().CopyTo(area[(160 + 16 * n)..]);
        }
    }

    /// <summary>MXCSR_MASK as FXSAVE stores it: every defined bit writable, DAZ included.</summary>
    public const uint MxcsrMask = 0xFFFF;

    /// <summary>Loads an FXSAVE64 image; false (and nothing changed) when MXCSR has reserved bits set,
    /// the case where FXRSTOR raises #GP.</summary>
    public bool RestoreFxsave(ReadOnlySpan<byte> area)
    {
        uint mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(area[24..]);
        if ((mxcsr & ~MxcsrMask) != 0)
        {
            return false;
        }
        var f = Fpu;
        f.ControlWord = BinaryPrimitives.ReadUInt16LittleEndian(area);
        f.StatusWord = BinaryPrimitives.ReadUInt16LittleEndian(area[2..]);
        f.LastOpcode = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(area[6..]) & 0x7FF);
        f.LastInstructionPointer = BinaryPrimitives.ReadUInt64LittleEndian(area[8..]);
        f.LastDataPointer = BinaryPrimitives.ReadUInt64LittleEndian(area[16..]);
        Mxcsr = mxcsr;
        int top = f.Top;
        for (int i = 0; i < 8; i++)
        {
            int phys = (top + i) & 7;
            f.Significand[phys] = BinaryPrimitives.ReadUInt64LittleEndian(area[(32 + 16 * i)..]);
            f.SignExponent[phys] = BinaryPrimitives.ReadUInt16LittleEndian(area[(40 + 16 * i)..]);
        }
        byte abridged = area[4];
        ushort tags = 0;
        for (int r = 0; r < 8; r++)
        {
            tags |= (ushort)(((abridged >> r) & 1) == 0 ? 3 << (2 * r) : X87Tag(f, r) << (2 * r));
        }
        f.TagWord = tags;
        for (int n = 0; n < 16; n++)
        {
            SetXmm(n, Vector128.Create<byte>(area.Slice(160 + 16 * n, 16)));
        }
        return true;
    }

    /// <summary>The full tag of a non-empty physical register from its contents (SDM Vol. 1 §8.1.7).</summary>
    private static int X87Tag(X87State f, int phys)
    {
        int exp = f.SignExponent[phys] & 0x7FFF;
        ulong sig = f.Significand[phys];
        if (exp == 0x7FFF)
        {
            return 2;
        }
        if (exp == 0)
        {
            return sig == 0 ? 1 : 2;
        }
        return (sig >> 63) != 0 ? 0 : 2;
    }

    /// <summary>Writes a standard-format XSAVE image of the components in <paramref name="rfbm"/>
    /// (SDM Vol. 1 §13.4, §13.7): the legacy region, the header (XSTATE_BV = components not in their
    /// initial state, XCOMP_BV = 0) and YMM_Hi128 at 576.</summary>
    public void SaveXsave(Span<byte> area, ulong rfbm)
    {
        int size = (int)CpuFeatures.XsaveSize(rfbm);
        area[..size].Clear();
        SaveFxsave(area);
        ulong xstateBv = rfbm & 3; // x87 and SSE are always recorded as in use
        if ((rfbm & 4) != 0)
        {
            bool any = false;
            for (int n = 0; n < 16; n++)
            {
                var hi = Ymm[n].GetUpper();
                hi.CopyTo(area[(576 + 16 * n)..]);
                any |= hi != Vector128<byte>.Zero;
            }
            if (any)
            {
                xstateBv |= 4;
            }
        }
        BinaryPrimitives.WriteUInt64LittleEndian(area[512..], xstateBv);
    }

    /// <summary>Loads a standard-format XSAVE image for <paramref name="rfbm"/>; components whose
    /// XSTATE_BV bit is clear get their initial state. False (nothing changed) on what makes XRSTOR
    /// raise #GP: XCOMP_BV ≠ 0, reserved header bytes set, XSTATE_BV outside XCR0, or bad MXCSR.</summary>
    public bool RestoreXsave(ReadOnlySpan<byte> area, ulong rfbm)
    {
        ulong xstateBv = BinaryPrimitives.ReadUInt64LittleEndian(area[512..]);
        ulong xcompBv = BinaryPrimitives.ReadUInt64LittleEndian(area[520..]);
        if (xcompBv != 0 || (xstateBv & ~CpuFeatures.Xcr0(CpuLevel.V3)) != 0)
        {
            return false;
        }
        for (int i = 528; i < 576; i++)
        {
            if (area[i] != 0)
            {
                return false;
            }
        }
        uint mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(area[24..]);
        if ((rfbm & 2) != 0 && (mxcsr & ~MxcsrMask) != 0)
        {
            return false;
        }
        var saved = Clone();
        if (!RestoreFxsave(area))
        {
            return false;
        }
        if ((rfbm & 1) != 0 && (xstateBv & 1) == 0)
        {
            Fpu.Reset();
        }
        else if ((rfbm & 1) == 0)
        {
            saved.Fpu.CopyTo(Fpu);
        }
        if ((rfbm & 2) == 0)
        {
            Mxcsr = saved.Mxcsr;
            for (int n = 0; n < 16; n++)
            {
                SetXmm(n, saved.GetXmm(n));
            }
        }
        else if ((xstateBv & 2) == 0)
        {
            for (int n = 0; n < 16; n++)
            {
                SetXmm(n, Vector128<byte>.Zero);
            }
        }
        if ((rfbm & 4) != 0)
        {
            for (int n = 0; n < 16; n++)
            {
                var hi = (xstateBv & 4) != 0 ? Vector128.Create<byte>(area.Slice(576 + 16 * n, 16)) : Vector128<byte>.Zero;
                Ymm[n] = Vector256.Create(Ymm[n].GetLower(), hi);
            }
        }
        return true;
    }
}
