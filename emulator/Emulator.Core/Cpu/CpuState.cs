using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu;

/// <summary>The architectural user-mode state of one vCPU: the general-purpose registers, RIP, RFLAGS,
/// the FS/GS bases, the vector registers (YMM0–15, MXCSR) and the x87 FPU.</summary>
/// <remarks>
/// The emulated kernel reads and writes this between <see cref="Cpu.Run"/> calls (syscall arguments in
/// RDI, RSI, RDX, R10, R8, R9, the number in RAX, the result back in RAX). Only the owning vCPU thread
/// may touch it. Segment selectors are not modelled: user mode runs with flat CS/SS/DS/ES and FS/GS
/// bases set by <c>arch_prctl</c>.
/// </remarks>
public sealed partial class CpuState
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

    /// <summary>YMM0..YMM15; XMMn is the low 128 bits of YMMn (little-endian: element 0 of the
    /// <see cref="Vector256{T}"/> is bit 0 of the register). Legacy SSE writes keep bits 255:128; VEX
    /// writes zero them (SDM Vol. 1 §14.1.2).</summary>
    internal readonly Vector256<byte>[] Ymm = new Vector256<byte>[16];

    /// <summary>MXCSR (SDM Vol. 1 §10.2.3): flags 5:0, DAZ 6, masks 12:7, RC 14:13, FTZ 15. Power-up and
    /// execve value 0x1F80 (all exceptions masked, round to nearest).</summary>
    public uint Mxcsr { get; set; } = MxcsrDefault;

    /// <summary>The MXCSR value at power-up and after execve.</summary>
    public const uint MxcsrDefault = 0x1F80;

    /// <summary>IA32_PASID (MSR 0xD93): the PASID ENQCMD puts in a descriptor, bits 19:0, valid when bit 31
    /// is set. The kernel sets it for the threads of a process bound to an SVA device.</summary>
    public ulong Ia32Pasid { get; set; }

    /// <summary>The x87 FPU (and the MMX registers it aliases).</summary>
    public X87State Fpu { get; } = new();

    /// <summary>XMM<paramref name="n"/> (0–15).</summary>
    public Vector128<byte> GetXmm(int n) => Ymm[n].GetLower();

    /// <summary>Sets XMM<paramref name="n"/>, keeping bits 255:128 (as a legacy SSE write does).</summary>
    public void SetXmm(int n, Vector128<byte> value) => Unsafe.As<Vector256<byte>, Vector128<byte>>(ref Ymm[n]) = value;

    /// <summary>YMM<paramref name="n"/> (0–15).</summary>
    public Vector256<byte> GetYmm(int n) => Ymm[n];

    /// <summary>Sets YMM<paramref name="n"/>.</summary>
    public void SetYmm(int n, Vector256<byte> value) => Ymm[n] = value;

    /// <summary>A copy, e.g. for fork (the child's state is the parent's with RAX = 0).</summary>
    public CpuState Clone()
    {
        var c = new CpuState();
        CopyTo(c);
        return c;
    }

    /// <summary>Copies every register, vector and x87 state included, into <paramref name="to"/>.</summary>
    public void CopyTo(CpuState to)
    {
        ArgumentNullException.ThrowIfNull(to);
        Regs.CopyTo(to.Regs, 0);
        to.Rip = Rip;
        to.Rflags = Rflags;
        to.FsBase = FsBase;
        to.GsBase = GsBase;
        Ymm.CopyTo(to.Ymm, 0);
        to.Mxcsr = Mxcsr;
        to.Ia32Pasid = Ia32Pasid;
        Fpu.CopyTo(to.Fpu);
    }

    /// <summary>The vector and x87 state as execve leaves it (FNINIT, MXCSR 0x1F80, vector registers 0).</summary>
    public void ResetExtendedState()
    {
        Array.Clear(Ymm);
        Mxcsr = MxcsrDefault;
        Fpu.Reset();
    }

    public override string ToString() =>
        $"rip={Rip:x} rflags={(ulong)Rflags:x} rax={Rax:x} rbx={Rbx:x} rcx={Rcx:x} rdx={Rdx:x} rsi={Rsi:x} rdi={Rdi:x} rbp={Rbp:x} rsp={Rsp:x}";
}
