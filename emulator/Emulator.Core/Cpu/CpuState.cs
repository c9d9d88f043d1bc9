namespace Emulator.Core.Cpu;

/// <summary>The architectural user-mode state of one vCPU: the general-purpose registers, RIP, RFLAGS
/// and the FS/GS bases.</summary>
/// <remarks>
/// The emulated kernel reads and writes this between <see cref="Cpu.Run"/> calls (syscall arguments in
/// RDI, RSI, RDX, R10, R8, R9, the number in RAX, the result back in RAX). Only the owning vCPU thread
/// may touch it. Segment selectors are not modelled: user mode runs with flat CS/SS/DS/ES and FS/GS
/// bases set by <c>arch_prctl</c>.
/// </remarks>
public sealed class CpuState
{
    /// <summary>RAX..R15 in encoding order, indexed by <see cref="Gpr"/>, then a slot that is always 0
    /// (<see cref="Cpu"/> uses it for "no base/index register" in address arithmetic).</summary>
    internal readonly ulong[] Regs = new ulong[17];

    /// <summary>The register <paramref name="r"/>.</summary>
    public ulong this[Gpr r]
    {
        get => Regs[(int)r];
        set => Regs[(int)r] = value;
    }

    public ulong Rax { get => Regs[0]; set => Regs[0] = value; }
    public ulong Rcx { get => Regs[1]; set => Regs[1] = value; }
    public ulong Rdx { get => Regs[2]; set => Regs[2] = value; }
    public ulong Rbx { get => Regs[3]; set => Regs[3] = value; }
    public ulong Rsp { get => Regs[4]; set => Regs[4] = value; }
    public ulong Rbp { get => Regs[5]; set => Regs[5] = value; }
    public ulong Rsi { get => Regs[6]; set => Regs[6] = value; }
    public ulong Rdi { get => Regs[7]; set => Regs[7] = value; }
    public ulong R8 { get => Regs[8]; set => Regs[8] = value; }
    public ulong R9 { get => Regs[9]; set => Regs[9] = value; }
    public ulong R10 { get => Regs[10]; set => Regs[10] = value; }
    public ulong R11 { get => Regs[11]; set => Regs[11] = value; }
    public ulong R12 { get => Regs[12]; set => Regs[12] = value; }
    public ulong R13 { get => Regs[13]; set => Regs[13] = value; }
    public ulong R14 { get => Regs[14]; set => Regs[14] = value; }
    public ulong R15 { get => Regs[15]; set => Regs[15] = value; }

    /// <summary>The address of the next instruction to execute.</summary>
    public ulong Rip { get; set; }

    /// <summary>RFLAGS. Bit 1 reads as 1; the CPU keeps whatever else the kernel stores here.</summary>
    public RFlags Rflags { get; set; } = RFlags.InitialUser;

    /// <summary>FS base (IA32_FS_BASE), added to FS-prefixed memory operands (TLS).</summary>
    public ulong FsBase { get; set; }

    /// <summary>GS base (IA32_GS_BASE), added to GS-prefixed memory operands.</summary>
    public ulong GsBase { get; set; }

    /// <summary>A copy, e.g. for fork (the child's state is the parent's with RAX = 0).</summary>
    public CpuState Clone()
    {
        var c = new CpuState { Rip = Rip, Rflags = Rflags, FsBase = FsBase, GsBase = GsBase };
        Regs.CopyTo(c.Regs, 0);
        return c;
    }

    public override string ToString() =>
        $"rip={Rip:x} rflags={(ulong)Rflags:x} rax={Rax:x} rbx={Rbx:x} rcx={Rcx:x} rdx={Rdx:x} rsi={Rsi:x} rdi={Rdi:x} rbp={Rbp:x} rsp={Rsp:x}";
}
