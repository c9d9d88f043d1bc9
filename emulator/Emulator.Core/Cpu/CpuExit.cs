using Emulator.Core.Paging;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The value <see cref="Cpu.Run"/> returns: why the vCPU stopped, where, and for a fault what the
/// architecture reports (the #PF error code, CR2) plus the instruction for a crash report.
/// </summary>
/// <remarks>
/// A guest fault is a value, never an exception (house style, rule 6). Formatting the instruction
/// allocates, so <see cref="InstructionText"/> is computed on demand: a demand-paging fault that the
/// kernel resolves costs no string.
/// </remarks>
public readonly struct CpuExit
{
    private readonly Instruction _instruction;

    internal CpuExit(CpuExitKind kind, ulong rip, in Instruction instruction, bool hasInstruction,
        ulong faultAddress = 0, PageFaultErrorCode errorCode = PageFaultErrorCode.None, AccessType access = AccessType.User)
    {
        Kind = kind;
        Rip = rip;
        _instruction = instruction;
        HasInstruction = hasInstruction;
        FaultAddress = faultAddress;
        ErrorCode = errorCode;
        Access = access;
    }

    public CpuExitKind Kind { get; }

    /// <summary>RIP of the instruction that exited (for <see cref="CpuExitKind.Syscall"/> and
    /// <see cref="CpuExitKind.Breakpoint"/>, of the syscall/int3 itself; the state's RIP is after it).</summary>
    public ulong Rip { get; }

    /// <summary>For #PF, CR2: the linear address that could not be accessed (for an instruction fetch
    /// that crosses into an unmapped page, the first byte of that page). For #GP caused by an address,
    /// the address; 0 otherwise.</summary>
    public ulong FaultAddress { get; }

    /// <summary>The #PF error code (meaningful for <see cref="CpuExitKind.PageFault"/> only).</summary>
    public PageFaultErrorCode ErrorCode { get; }

    /// <summary>The access that faulted: always has <see cref="AccessType.User"/>; <see cref="AccessType.Write"/>
    /// for a store, <see cref="AccessType.Execute"/> for an instruction fetch (whether or not the error
    /// code carries the I/D bit).</summary>
    public AccessType Access { get; }

    /// <summary>True for a store: the <c>write</c> argument of <c>AddressSpace.HandleFault</c>.</summary>
    public bool IsWrite => (Access & AccessType.Write) != 0;

    /// <summary>True for an instruction fetch: the <c>exec</c> argument of <c>AddressSpace.HandleFault</c>.</summary>
    public bool IsFetch => (Access & AccessType.Execute) != 0;

    /// <summary>False when no instruction could be decoded (a fetch fault on its first byte).</summary>
    public bool HasInstruction { get; }

    /// <summary>The decoded instruction (default when <see cref="HasInstruction"/> is false).</summary>
    public Instruction Instruction => _instruction;

    /// <summary>The instruction in Intel syntax as Iced formats it, e.g. <c>mov eax,[rbx]</c>;
    /// <c>(bad)</c> for an invalid encoding, <c>(fetch fault)</c> when nothing was decoded.</summary>
    public string InstructionText
    {
        get
        {
            if (!HasInstruction)
            {
                return "(fetch fault)";
            }
            var output = new StringOutput();
            new IntelFormatter().Format(_instruction, output);
            return output.ToStringAndReset();
        }
    }

    /// <summary>The Linux signal a user process gets for this exit (0 for budget and syscall exits):
    /// SIGSEGV for #PF and #GP, SIGILL for #UD, SIGFPE for #DE, #XM and #MF, SIGTRAP for #BP.</summary>
    public int Signal => Kind switch
    {
        CpuExitKind.PageFault or CpuExitKind.GeneralProtection => 11,
        CpuExitKind.InvalidOpcode => 4,
        CpuExitKind.DivideError or CpuExitKind.SimdFloatingPoint or CpuExitKind.X87FloatingPoint => 8,
        CpuExitKind.Breakpoint => 5,
        _ => 0,
    };

    /// <summary>A one-line report: kind, signal, RIP, the instruction and the faulting address.</summary>
    public override string ToString() => Kind switch
    {
        CpuExitKind.BudgetExhausted => $"budget exhausted at rip={Rip:x}",
        CpuExitKind.Syscall => $"syscall at rip={Rip:x}",
        CpuExitKind.PageFault => $"#PF (signal {Signal}) at rip={Rip:x} `{InstructionText}` address={FaultAddress:x} ec={(uint)ErrorCode:x} ({ErrorCode})",
        _ => $"{Kind} (signal {Signal}) at rip={Rip:x} `{InstructionText}`" + (FaultAddress != 0 ? $" address={FaultAddress:x}" : ""),
    };
}
