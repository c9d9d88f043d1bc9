using System.Runtime.Intrinsics;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Tests.Mm;
using Emulator.Tests.Support;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// A process with one vCPU at a chosen <see cref="CpuLevel"/> that runs one probed instruction at a
/// time: the code page at <see cref="CodeVa"/>, the memory window at <see cref="DataVa"/> (RSI's
/// base). One rig runs many cases: each rewrites the code page and drops its decoded instructions.
/// </summary>
internal sealed class VectorRig
{
    public const ulong CodeVa = 0x40_0000;
    public const ulong DataVa = 0x60_0000;
    public const ulong StackTop = 0x7fff_0000_0000;

    private readonly ulong _codePa;

    public VectorRig(CpuLevel level = CpuLevel.V3)
    {
        Level = level;
        (Machine, Mm) = TestMachines.NewProcess();
        Mmu = MmKit.AttachCpu(Machine, Mm);
        Cpu = new Core.Cpu.Cpu(Mmu, new CpuOptions { Frames = Machine.Frames, Level = level });
        MmKit.MapAt(Mm, CodeVa, 1, Protection.Read | Protection.Write | Protection.Exec);
        MmKit.MapAt(Mm, DataVa, 1);
        MmKit.MapAt(Mm, StackTop - MmKit.P, 1);
        Assert.Equal(Errno.Ok, Mm.WriteUser(CodeVa, new byte[1], out _));
        Assert.Equal(Errno.Ok, Mm.WriteUser(DataVa, new byte[1], out _));
        _codePa = MmKit.Pfn(Mm, CodeVa) << 12;
    }

    public CpuLevel Level { get; }
    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public Mmu Mmu { get; }
    public Core.Cpu.Cpu Cpu { get; }
    public CpuState S => Cpu.State;

    /// <summary>Writes <paramref name="code"/> at <see cref="CodeVa"/> and sets RIP to it.</summary>
    public void LoadCode(byte[] code)
    {
        Assert.Equal(Errno.Ok, Mm.WriteUser(CodeVa, code, out _));
        Cpu.InvalidateCode(_codePa, MmKit.P);
        S.Rip = CodeVa;
    }

    /// <summary>Loads <paramref name="s"/> into the vCPU and the window (RSI, RDI += <see cref="DataVa"/>).
    /// MM registers are loaded as the host probe loads them (MOVQ: TOP = 0, every tag valid).</summary>
    public void SetState(ProbeState s)
    {
        for (int k = 0; k < 16; k++)
        {
            if (ProbeState.IsCarried(k))
            {
                S[(Gpr)k] = s.Gpr[k];
            }
            S.SetYmm(k, s.Ymm[k]);
        }
        S.Rsi += DataVa;
        S.Rdi += DataVa;
        S.Rflags = RFlags.InitialUser | (RFlags)(s.Flags & (ulong)RFlags.Status);
        S.Fpu.Reset();
        for (int k = 0; k < 8; k++)
        {
            S.Fpu.Significand[k] = s.Mm[k];
            S.Fpu.SignExponent[k] = 0xFFFF;
        }
        S.Fpu.TagWord = 0;
        Assert.Equal(Errno.Ok, Mm.WriteUser(DataVa, s.Mem, out _));
    }

    /// <summary>The vCPU's state and the window as a <see cref="ProbeState"/> (RSI, RDI −= <see cref="DataVa"/>).</summary>
    public ProbeState GetState()
    {
        var s = new ProbeState();
        for (int k = 0; k < 16; k++)
        {
            if (ProbeState.IsCarried(k))
            {
                s.Gpr[k] = S[(Gpr)k];
            }
            s.Ymm[k] = S.GetYmm(k);
        }
        s.Gpr[6] -= DataVa;
        s.Gpr[7] -= DataVa;
        s.Flags = (ulong)S.Rflags & (ulong)RFlags.Status;
        for (int k = 0; k < 8; k++)
        {
            s.Mm[k] = S.Fpu.Significand[k];
        }
        Assert.Equal(Errno.Ok, Mm.ReadUser(DataVa, s.Mem, out _));
        return s;
    }

    /// <summary>Runs <paramref name="code"/> (one instruction) from <paramref name="input"/>.</summary>
    public CpuExit Run(byte[] code, ProbeState input, out ProbeState output)
    {
        LoadCode(code);
        SetState(input);
        CpuExit exit = Cpu.Run(1);
        output = GetState();
        return exit;
    }

    /// <summary>Runs one table case and asserts its expectations: the exit, and the whole probed state
    /// (registers, vectors, MM, the window, the compared flags). Returns the final state.</summary>
    public static ProbeState Check(VectorCase c, VectorRig? rig = null)
    {
        rig ??= new VectorRig(c.Level);
        Assert.Equal(c.Level, rig.Level);
        CpuExit exit = rig.Run(ProbeInstruction.Encode(c.Instruction, CodeVa), c.Input, out ProbeState got);
        if (c.Exit is CpuExitKind kind)
        {
            // A fault: the instruction did nothing, RIP still at it.
            Assert.True(exit.Kind == kind, $"{c}: expected {kind}, got {exit}");
            Assert.Equal(CodeVa, rig.S.Rip);
            List<string> unchanged = c.Input.Diff(got, (ulong)RFlags.Status);
            Assert.True(unchanged.Count == 0, $"{c}: state changed by a faulting instruction: {string.Join("; ", unchanged)}");
            return got;
        }
        Assert.True(exit.Kind == CpuExitKind.BudgetExhausted, $"{c}: {exit}");
        List<string> diff = c.Expected.Diff(got, c.FlagMask);
        Assert.True(diff.Count == 0, $"{c}: expected vs emulator: {string.Join("; ", diff)}");
        return got;
    }

    /// <summary>A seeded vector of random bytes.</summary>
    public static Vector256<byte> RandomYmm(Random r)
    {
        Span<byte> b = stackalloc byte[32];
        r.NextBytes(b);
        return Vector256.Create<byte>(b);
    }
}
