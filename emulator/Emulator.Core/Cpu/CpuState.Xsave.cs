using System.Buffers.Binary;
using System.Runtime.Intrinsics;
using Emulator.Core.Cpu.X87;

namespace Emulator.Core.Cpu;

/// <summary>
/// The FXSAVE and XSAVE images of the x87, SSE and AVX state (SDM Vol. 1 §10.5, ch. 13): what the
/// kernel puts in a signal frame and takes back at sigreturn, and what the FXSAVE/FXRSTOR and
/// XSAVE/XRSTOR/XSAVEOPT instructions store and load (they call these methods).
/// </summary>
/// <remarks>
/// <para>Legacy region (SDM Vol. 2A FXSAVE Table 3-46, the 64-bit "FXSAVE64" form): FCW at 0, FSW at 2,
/// the abridged tag byte at 4, FOP at 6, FIP at 8 (8 bytes), FDP at 16 (8 bytes), MXCSR at 24,
/// MXCSR_MASK at 28 (<see cref="MxcsrMask"/>), ST(0)..ST(7) at 32 + 16·i (10 bytes, 6 reserved bytes
/// written 0), XMM0..XMM15 at 160 + 16·i. Bytes 416..511 are never written (software, e.g. Linux's
/// signal frame magic, keeps its own data there), as on hardware.</para>
/// <para>XSAVE header at 512: XSTATE_BV (8 bytes), XCOMP_BV (8), 48 reserved. Standard format only
/// (no XSAVEC/XSAVES): YMM_Hi128 (AVX, component 2) at 576, 16 bytes per register.</para>
/// <para>FIP/FDP/FOP are stored as the last non-control x87 instruction left them (Intel's behaviour;
/// this host's AMD processor stores zeros there unless an exception is pending).</para>
/// </remarks>
public sealed partial class CpuState
{
    /// <summary>The FXSAVE area's size.</summary>
    public const int FxsaveSize = 512;

    /// <summary>MXCSR_MASK stored by FXSAVE/XSAVE: every MXCSR bit 15:0 is writable, DAZ included
    /// (SDM Vol. 1 §11.6.6); bits 31:16 are reserved.</summary>
    public const uint MxcsrMask = 0xFFFF;

    /// <summary>XSAVE state components (XCR0 bits): x87, SSE (XMM and MXCSR), AVX (YMM upper halves).</summary>
    public const ulong XfeatureX87 = 1, XfeatureSse = 2, XfeatureAvx = 4;

    private const int HeaderOffset = 512, YmmHiOffset = 576;

    /// <summary>Writes the 512-byte FXSAVE64 image (bytes 0..415; 416..511 are left as they are).</summary>
    /// <param name="area">At least <see cref="FxsaveSize"/> bytes.</param>
    public void SaveFxsave(Span<byte> area)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(area.Length, FxsaveSize, nameof(area));
        WriteX87(area, wide: true);
        WriteMxcsr(area);
        WriteXmm(area);
    }

    /// <summary>Loads an FXSAVE64 image: x87 state (tags from the abridged byte, recomputed from the
    /// registers' contents), MXCSR and XMM0..XMM15 (the YMM upper halves are kept).</summary>
    /// <param name="area">At least <see cref="FxsaveSize"/> bytes.</param>
    /// <returns>false, and nothing changed, when MXCSR has a reserved bit set (FXRSTOR's #GP).</returns>
    public bool RestoreFxsave(ReadOnlySpan<byte> area) => RestoreFxsave(area, wide: true);

    internal bool RestoreFxsave(ReadOnlySpan<byte> area, bool wide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(area.Length, FxsaveSize, nameof(area));
        uint mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(area[24..]);
        if ((mxcsr & ~MxcsrMask) != 0)
        {
            return false;
        }
        ReadX87(area, wide);
        Mxcsr = mxcsr;
        ReadXmm(area);
        return true;
    }

    /// <summary>
    /// Writes a standard-format XSAVE image of the components in <paramref name="rfbm"/> (XSAVE with
    /// RFBM = EDX:EAX &amp; XCR0): x87 state if bit 0, XMM0..15 if bit 1, MXCSR and MXCSR_MASK if bit 1
    /// or 2, the YMM upper halves at 576 if bit 2. XSTATE_BV's bits in <paramref name="rfbm"/> are set
    /// (every component is reported in use, which the SDM allows); its other bits, XCOMP_BV and the
    /// reserved header bytes are left as they are, so a fresh signal frame should be zeroed first.
    /// </summary>
    /// <param name="area"><see cref="CpuFeatures.XsaveSize"/>(<paramref name="rfbm"/>) bytes at least.</param>
    /// <param name="rfbm">The requested-feature bitmap (bits above 2 are ignored).</param>
    public void SaveXsave(Span<byte> area, ulong rfbm) => SaveXsave(area, rfbm, wide: true);

    internal void SaveXsave(Span<byte> area, ulong rfbm, bool wide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(area.Length, (int)CpuFeatures.XsaveSize(rfbm), nameof(area));
        rfbm &= XfeatureX87 | XfeatureSse | XfeatureAvx;
        if ((rfbm & XfeatureX87) != 0)
        {
            WriteX87(area, wide);
        }
        if ((rfbm & (XfeatureSse | XfeatureAvx)) != 0)
        {
            WriteMxcsr(area);
        }
        if ((rfbm & XfeatureSse) != 0)
        {
            WriteXmm(area);
        }
        if ((rfbm & XfeatureAvx) != 0)
        {
            for (int n = 0; n < 16; n++)
            {
                Ymm[n].GetUpper().CopyTo(area.Slice(YmmHiOffset + 16 * n, 16));
            }
        }
        Span<byte> bv = area.Slice(HeaderOffset, 8);
        BinaryPrimitives.WriteUInt64LittleEndian(bv, BinaryPrimitives.ReadUInt64LittleEndian(bv) | rfbm);
    }

    /// <summary>
    /// Loads a standard-format XSAVE image (XRSTOR): for each component in <paramref name="rfbm"/>, its
    /// data when XSTATE_BV has its bit, else its initial state (x87: FNINIT's; SSE: XMM = 0; AVX: upper
    /// halves 0); MXCSR is loaded whenever <paramref name="rfbm"/> has bit 1 or 2 (the standard form's rule).
    /// </summary>
    /// <param name="area"><see cref="CpuFeatures.XsaveSize"/>(<paramref name="rfbm"/>) bytes at least.</param>
    /// <param name="rfbm">The requested-feature bitmap.</param>
    /// <returns>false, and nothing changed, for what XRSTOR raises #GP on: XSTATE_BV naming a component
    /// this CPU does not have (anything but x87, SSE, AVX), header bytes 8..23 (XCOMP_BV and the first
    /// reserved bytes) not zero, or a reserved MXCSR bit set when MXCSR is to be loaded.</returns>
    public bool RestoreXsave(ReadOnlySpan<byte> area, ulong rfbm) =>
        RestoreXsave(area, rfbm, XfeatureX87 | XfeatureSse | XfeatureAvx, wide: true);

    /// <param name="area">The XSAVE area.</param>
    /// <param name="rfbm">The requested-feature bitmap.</param>
    /// <param name="xcr0">The enabled components: XSTATE_BV may name no other.</param>
    /// <param name="wide">The 64-bit (REX.W) form: 8-byte FIP and FDP.</param>
    internal bool RestoreXsave(ReadOnlySpan<byte> area, ulong rfbm, ulong xcr0, bool wide)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(area.Length, (int)CpuFeatures.XsaveSize(rfbm & xcr0), nameof(area));
        rfbm &= xcr0;
        ulong xstateBv = BinaryPrimitives.ReadUInt64LittleEndian(area[HeaderOffset..]);
        if ((xstateBv & ~xcr0) != 0
            || BinaryPrimitives.ReadUInt64LittleEndian(area[(HeaderOffset + 8)..]) != 0
            || BinaryPrimitives.ReadUInt64LittleEndian(area[(HeaderOffset + 16)..]) != 0)
        {
            return false;
        }
        bool loadMxcsr = (rfbm & (XfeatureSse | XfeatureAvx)) != 0;
        uint mxcsr = BinaryPrimitives.ReadUInt32LittleEndian(area[24..]);
        if (loadMxcsr && (mxcsr & ~MxcsrMask) != 0)
        {
            return false;
        }
        if ((rfbm & XfeatureX87) != 0)
        {
            if ((xstateBv & XfeatureX87) != 0)
            {
                ReadX87(area, wide);
            }
            else
            {
                Fpu.Reset();
            }
        }
        if (loadMxcsr)
        {
            Mxcsr = mxcsr;
        }
        if ((rfbm & XfeatureSse) != 0)
        {
            if ((xstateBv & XfeatureSse) != 0)
            {
                ReadXmm(area);
            }
            else
            {
                for (int n = 0; n < 16; n++)
                {
                    SetXmm(n, Vector128<byte>.Zero);
                }
            }
        }
        if ((rfbm & XfeatureAvx) != 0)
        {
            bool load = (xstateBv & XfeatureAvx) != 0;
            for (int n = 0; n < 16; n++)
            {
                Vector128<byte> hi = load ? Vector128.Create(area.Slice(YmmHiOffset + 16 * n, 16)) : Vector128<byte>.Zero;
                Ymm[n] = Ymm[n].WithUpper(hi);
            }
        }
        return true;
    }

    private void WriteX87(Span<byte> area, bool wide)
    {
        X87State f = Fpu;
        BinaryPrimitives.WriteUInt16LittleEndian(area, f.ControlWord);
        BinaryPrimitives.WriteUInt16LittleEndian(area[2..], f.StatusWord);
        area[4] = f.AbridgedTagWord();
        area[5] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(area[6..], (ushort)(f.LastOpcode & 0x7FF));
        if (wide)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(area[8..], f.LastInstructionPointer);
            BinaryPrimitives.WriteUInt64LittleEndian(area[16..], f.LastDataPointer);
        }
        else
        {
            // FIP[31:0], FCS (Linux's user CS), FDP[31:0], FDS (0 in 64-bit mode).
            BinaryPrimitives.WriteUInt64LittleEndian(area[8..], (uint)f.LastInstructionPointer | (0x33UL << 32));
            BinaryPrimitives.WriteUInt64LittleEndian(area[16..], (uint)f.LastDataPointer);
        }
        int top = f.Top;
        for (int k = 0; k < 8; k++)
        {
            Span<byte> slot = area.Slice(32 + 16 * k, 16);
            f.Register((top + k) & 7).Write(slot);
            slot[10..].Clear();
        }
    }

    private void ReadX87(ReadOnlySpan<byte> area, bool wide)
    {
        X87State f = Fpu;
        f.ControlWord = BinaryPrimitives.ReadUInt16LittleEndian(area);
        f.StatusWord = BinaryPrimitives.ReadUInt16LittleEndian(area[2..]);
        f.LastOpcode = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(area[6..]) & 0x7FF);
        f.LastInstructionPointer = wide ? BinaryPrimitives.ReadUInt64LittleEndian(area[8..]) : BinaryPrimitives.ReadUInt32LittleEndian(area[8..]);
        f.LastDataPointer = wide ? BinaryPrimitives.ReadUInt64LittleEndian(area[16..]) : BinaryPrimitives.ReadUInt32LittleEndian(area[16..]);
        int top = f.Top;
        for (int k = 0; k < 8; k++)
        {
            Ext80 v = Ext80.Read(area.Slice(32 + 16 * k, 10));
            int p = (top + k) & 7;
            f.Significand[p] = v.Significand;
            f.SignExponent[p] = v.SignExponent;
        }
        f.LoadTags(area[4]);
    }

    private void WriteMxcsr(Span<byte> area)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(area[24..], Mxcsr);
        BinaryPrimitives.WriteUInt32LittleEndian(area[28..], MxcsrMask);
    }

    private void WriteXmm(Span<byte> area)
    {
        for (int n = 0; n < 16; n++)
        {
            GetXmm(n).CopyTo(area.Slice(160 + 16 * n, 16));
        }
    }

    private void ReadXmm(ReadOnlySpan<byte> area)
    {
        for (int n = 0; n < 16; n++)
        {
            SetXmm(n, Vector128.Create(area.Slice(160 + 16 * n, 16)));
        }
    }
}
