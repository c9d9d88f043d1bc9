using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>JMP rel / r/m64. A target read from memory is loaded before RIP changes.</summary>
    private bool ExecJmp(in Instruction i)
    {
        if (!BranchTarget(i, out ulong target))
        {
            return false;
        }
        _state.Rip = target;
        return true;
    }

    private bool BranchTarget(in Instruction i, out ulong target)
    {
        switch (i.Op0Kind)
        {
            case OpKind.NearBranch64:
                target = i.NearBranch64;
                return true;
            case OpKind.Register:
                target = GetReg(i.Op0Register);
                return true;
            case OpKind.Memory:
                return Read(Ea(i), 8, out target);
            default:
                target = 0;
                return Exit(CpuExitKind.InvalidOpcode); // far jumps and calls
        }
    }

    /// <summary>CALL rel32 / r/m64: the target is read and the return-address store translated before
    /// RSP and RIP change.</summary>
    private bool ExecCall(in Instruction i)
    {
        if (!BranchTarget(i, out ulong target))
        {
            return false;
        }
        ulong rsp = _r[4] - 8;
        if (!Write(rsp, 8, i.NextIP))
        {
            return false;
        }
        _r[4] = rsp;
        _state.Rip = target;
        return true;
    }

    /// <summary>RET and RET imm16.</summary>
    private bool ExecRet(in Instruction i)
    {
        if (i.Code is not (Code.Retnq or Code.Retnq_imm16))
        {
            return Exit(CpuExitKind.InvalidOpcode); // far and 16-bit returns
        }
        ulong rsp = _r[4];
        if (!Read(rsp, 8, out ulong target))
        {
            return false;
        }
        _r[4] = rsp + 8 + (i.Code == Code.Retnq_imm16 ? i.Immediate16 : 0UL);
        _state.Rip = target;
        return true;
    }

    private bool ExecJcc(in Instruction i)
    {
        if (Condition(i.ConditionCode))
        {
            _state.Rip = i.NearBranch64;
        }
        return true;
    }

    /// <summary>LOOP, LOOPE, LOOPNE (decrement RCX, flags unchanged) and JRCXZ/JECXZ.</summary>
    private bool ExecLoop(in Instruction i)
    {
        bool taken;
        switch (i.Mnemonic)
        {
            case Mnemonic.Jrcxz:
                taken = _r[1] == 0;
                break;
            case Mnemonic.Jecxz:
                taken = (uint)_r[1] == 0;
                break;
            default:
                if (i.Code is not (Code.Loop_rel8_64_RCX or Code.Loope_rel8_64_RCX or Code.Loopne_rel8_64_RCX))
                {
                    return Exit(CpuExitKind.InvalidOpcode); // ECX-counted (0x67) forms
                }
                ulong rcx = --_r[1];
                taken = rcx != 0 && i.Mnemonic switch
                {
                    Mnemonic.Loope => (Flags & ZF) != 0,
                    Mnemonic.Loopne => (Flags & ZF) == 0,
                    _ => true,
                };
                break;
        }
        if (taken)
        {
            _state.Rip = i.NearBranch64;
        }
        return true;
    }

    /// <summary>SYSCALL: RCX = the next RIP, R11 = RFLAGS (SDM Vol. 2B SYSCALL), then exit to the
    /// kernel. RFLAGS itself is left as it is: the kernel's SYSRET restores it from R11, so masking it
    /// with IA32_FMASK and restoring it would be invisible to the program.</summary>
    private bool ExecSyscall()
    {
        _r[1] = _state.Rip;
        _r[11] = Flags;
        return Exit(CpuExitKind.Syscall);
    }

    /// <summary>RDTSC: EDX:EAX = the instructions retired so far (deterministic: a run with the same
    /// inputs reads the same values).</summary>
    private bool ExecRdtsc()
    {
        ulong tsc = (ulong)_retired;
        _r[0] = (uint)tsc;
        _r[2] = tsc >> 32;
        return true;
    }

    /// <summary>CPUID: the table of <see cref="CpuFeatures"/> for the vCPU's <see cref="CpuOptions.Level"/>.</summary>
    private bool ExecCpuid()
    {
        (uint a, uint b, uint c, uint d) = CpuFeatures.Cpuid(_options.Level, _options.CpuidSignature, (uint)_r[0], (uint)_r[1]);
        _r[0] = a;
        _r[3] = b;
        _r[1] = c;
        _r[2] = d;
        return true;
    }
}
