using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>FXSAVE/FXRSTOR (every level), XSAVE/XRSTOR/XSAVEOPT and XGETBV (level v3: XSAVE is
/// reported in CPUID only there, so they are #UD below). The images are <see cref="CpuState"/>'s.</summary>
public sealed partial class Cpu
{
    private bool ExecX87StateInstruction(in Instruction i)
    {
        Mnemonic m = i.Mnemonic;
        bool xsaveFamily = m is not (Mnemonic.Fxsave or Mnemonic.Fxsave64 or Mnemonic.Fxrstor or Mnemonic.Fxrstor64);
        if (xsaveFamily && _options.Level < CpuLevel.V3)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        if (m == Mnemonic.Xgetbv)
        {
            // XCR0 is the only XCR (XGETBV with ECX = 1 needs CPUID.(EAX=0DH,ECX=1):EAX[2], not reported).
            if ((uint)_r[1] != 0)
            {
                return Exit(CpuExitKind.GeneralProtection);
            }
            ulong xcr0 = CpuFeatures.Xcr0(_options.Level);
            _r[0] = (uint)xcr0;
            _r[2] = xcr0 >> 32;
            return true;
        }
        ulong ea = Ea(i);
        bool wide = m is Mnemonic.Fxsave64 or Mnemonic.Fxrstor64 or Mnemonic.Xsave64 or Mnemonic.Xrstor64 or Mnemonic.Xsaveopt64;
        if (!CheckAligned(ea, xsaveFamily ? 64 : 16))
        {
            return false;
        }
        Span<byte> area = stackalloc byte[832];
        switch (m)
        {
            case Mnemonic.Fxsave:
            case Mnemonic.Fxsave64:
                area = area[..CpuState.FxsaveSize];
                _state.SaveFxsave(area);
                if (!wide)
                {
                    WriteNarrowPointers(area);
                }
                return WriteBytes(ea, area[..416]); // bytes 416..511 are not written
            case Mnemonic.Fxrstor:
            case Mnemonic.Fxrstor64:
                area = area[..CpuState.FxsaveSize];
                if (!ReadBytes(ea, area))
                {
                    return false;
                }
                return _state.RestoreFxsave(area, wide) || Exit(CpuExitKind.GeneralProtection);
        }
        ulong xcr0Level = CpuFeatures.Xcr0(_options.Level);
        ulong rfbm = ((_r[2] << 32) | (uint)_r[0]) & xcr0Level;
        area = area[..(int)CpuFeatures.XsaveSize(rfbm)];
        if (!ReadBytes(ea, area))
        {
            return false;
        }
        if (m is Mnemonic.Xrstor or Mnemonic.Xrstor64)
        {
            return _state.RestoreXsave(area, rfbm, xcr0Level, wide) || Exit(CpuExitKind.GeneralProtection);
        }
        // XSAVE, and XSAVEOPT without its modified optimisation (architecturally the same image).
        _state.SaveXsave(area, rfbm, wide);
        return WriteBytes(ea, area);
    }

    /// <summary>The REX.W = 0 forms store FIP[31:0], FCS, FDP[31:0], FDS (SDM Vol. 2A FXSAVE Table 3-47).</summary>
    private void WriteNarrowPointers(Span<byte> area)
    {
        X87State f = _state.Fpu;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(area[8..], (uint)f.LastInstructionPointer | ((ulong)UserCs << 32));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(area[16..], (uint)f.LastDataPointer);
    }
}
