using System.Buffers.Binary;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The submission instructions of SVA devices (SDM Vol. 2B MOVDIR64B, ENQCMD): a 64-byte descriptor
/// read from memory and stored whole to a device portal, whose address is in a register.
/// </summary>
public sealed partial class Cpu
{
    /// <summary>IA32_PASID: the PASID is bits 19:0, bit 31 says it is valid (SDM Vol. 4, MSR 0xD93).</summary>
    public const ulong PasidValid = 1UL << 31;

    /// <summary>The mnemonics of this unit.</summary>
    internal static readonly Mnemonic[] PortalMnemonics = [Mnemonic.Movdir64b, Mnemonic.Enqcmd];

    private bool TryExecPortal(in Instruction i, out bool ok)
    {
        switch (i.Mnemonic)
        {
            case Mnemonic.Movdir64b:
                ok = ExecSubmit(in i, enqueue: false);
                return true;
            case Mnemonic.Enqcmd:
                ok = ExecSubmit(in i, enqueue: true);
                return true;
            case Mnemonic.Enqcmds:
                ok = Exit(CpuExitKind.GeneralProtection); // the supervisor form, privileged at CPL 3
                return true;
            default:
                ok = false;
                return false;
        }
    }

    /// <summary>
    /// MOVDIR64B r, m512 / ENQCMD r, m512. The destination (in the register, 64-byte aligned or #GP) is
    /// translated for writing and the source read before anything is stored, so a fault leaves nothing
    /// done. ENQCMD needs a valid IA32_PASID (#GP otherwise), replaces the descriptor's first dword with
    /// PASID[19:0] (bit 31, privilege, 0), and sets ZF when the device answers "retry" (CF, OF, SF, AF, PF
    /// cleared). To ordinary memory, MOVDIR64B is a 64-byte store; ENQCMD stores nothing and sets ZF.
    /// </summary>
    private bool ExecSubmit(in Instruction i, bool enqueue)
    {
        ulong dest = GetReg(i.Op0Register);
        if ((dest & 63) != 0 || (enqueue && (_state.Ia32Pasid & PasidValid) == 0))
        {
            return Exit(CpuExitKind.GeneralProtection);
        }
        Span<byte> data = stackalloc byte[64];
        if (!ReadBytes(Ea(i), data))
        {
            return false;
        }
        if (!TranslateMem(dest, 64, write: true, out MemRef m))
        {
            return false;
        }
        if (enqueue)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(data, (uint)(_state.Ia32Pasid & 0xF_FFFF));
        }
        var portal = _memory.PortalAt(m.Pa0 >> Memory.Page.Shift);
        if (portal is null)
        {
            if (enqueue)
            {
                SetFlags(StatusFlags, ZF);
                return true;
            }
            StoreBytes(m, data);
            return true;
        }
        bool accepted = portal.Submit(m.Pa0 & Memory.Page.Mask, data, enqueue);
        if (enqueue)
        {
            SetFlags(StatusFlags, accepted ? 0 : ZF);
        }
        EndRunAfterThisInstruction();
        return true;
    }

    /// <summary>A submission is an interleaving point: <see cref="Run"/> returns (BudgetExhausted) once this
    /// instruction retires, so whoever schedules the vCPU may let the device start on it before the
    /// program's next instruction.</summary>
    private void EndRunAfterThisInstruction() => _limit = _retired + 1;
}
