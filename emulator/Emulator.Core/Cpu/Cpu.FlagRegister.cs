using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>
    /// The RFLAGS bits POPFQ and SAHF may change at CPL 3 here: the six status flags, DF, AC and ID
    /// (SDM Vol. 2B POPF, "64-bit mode, CPL > 0, IOPL = 0").
    /// </summary>
    /// <remarks>
    /// AC and ID are kept as values and read back by PUSHFQ, so a program probing them (the classic
    /// CPUID-support test toggles ID) sees a modern processor; alignment checking is not modelled, so
    /// AC = 1 never raises #AC. TF is not writable here (single-stepping is not supported): a POPFQ
    /// leaves it as it was, so the guest never single-steps. NT, RF, IF, IOPL, VM, VIF and VIP are
    /// unchanged as well (IF and IOPL as on hardware at CPL 3 with IOPL 0; NT because nothing here
    /// uses it).
    /// </remarks>
    private const ulong PopfWritable = StatusFlags | DF | (ulong)RFlags.AC | (ulong)RFlags.ID;

    /// <summary>RF and VM read as 0 in the image PUSHF stores (SDM Vol. 2B PUSHF).</summary>
    private const ulong PushfCleared = (1UL << 16) | (1UL << 17);

    /// <summary>PUSHFQ (and PUSHF with 0x66, the low 16 bits): RFLAGS with RF and VM cleared.</summary>
    private bool ExecPushf(in Instruction i)
    {
        int size = i.Code == Code.Pushfw ? 2 : 8;
        ulong rsp = _r[4] - (ulong)size;
        if (!Write(rsp, size, Flags & ~PushfCleared))
        {
            return false;
        }
        _r[4] = rsp;
        return true;
    }

    /// <summary>POPFQ (and POPF with 0x66, the low 16 bits): only <see cref="PopfWritable"/> bits change.</summary>
    private bool ExecPopf(in Instruction i)
    {
        int size = i.Code == Code.Popfw ? 2 : 8;
        ulong rsp = _r[4];
        if (!Read(rsp, size, out ulong v))
        {
            return false;
        }
        _r[4] = rsp + (ulong)size;
        SetFlags(PopfWritable & Mask(size), v);
        return true;
    }

    /// <summary>LAHF: AH = SF:ZF:0:AF:0:PF:1:CF (SDM Vol. 2A). Flags unchanged.</summary>
    private bool ExecLahf()
    {
        if (_options.Level < CpuLevel.V2)
        {
            return Exit(CpuExitKind.InvalidOpcode); // LAHF-SAHF in 64-bit mode is a v2 feature (CPUID.80000001H:ECX[0])
        }
        ulong ah = (Flags & (SF | ZF | AF | PF | CF)) | (ulong)RFlags.Reserved1;
        SetReg(Register.AH, ah);
        return true;
    }

    /// <summary>SAHF: SF, ZF, AF, PF, CF = the matching bits of AH (SDM Vol. 2B); OF unchanged.</summary>
    private bool ExecSahf()
    {
        if (_options.Level < CpuLevel.V2)
        {
            return Exit(CpuExitKind.InvalidOpcode);
        }
        SetFlags(SF | ZF | AF | PF | CF, GetReg(Register.AH));
        return true;
    }
}
