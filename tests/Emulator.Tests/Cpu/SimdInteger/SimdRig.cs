using System.Runtime.Intrinsics;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Tests.Mm;
using Emulator.Tests.Support;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>
/// One vCPU (at a chosen <see cref="CpuLevel"/>, without the decoded-instruction cache so each case
/// may rewrite the code page) with a code page at <see cref="CpuRig.CodeVa"/> and a data page at
/// <see cref="CpuRig.DataVa"/>: runs one instruction from a <see cref="SimdState"/> exactly as
/// <see cref="SimdHost"/> does on the host (RSI = RDI = the buffer).
/// </summary>
internal sealed class SimdRig
{
    /// <param name="level">The CPU level (what CPUID reports, which instructions exist).</param>
    /// <param name="dataPages">Pages mapped read-write at <see cref="CpuRig.DataVa"/>.</param>
    public SimdRig(CpuLevel level = CpuLevel.V3, int dataPages = 2)
    {
        (Machine, Mm) = TestMachines.NewProcess();
        var mmu = MmKit.AttachCpu(Machine, Mm);
        Cpu = new Core.Cpu.Cpu(mmu, new CpuOptions { Level = level });
        MmKit.MapAt(Mm, CpuRig.CodeVa, 1, CpuRig.Rwx);
        MmKit.MapAt(Mm, CpuRig.DataVa, dataPages);
    }

    public Machine Machine { get; }
    public AddressSpace Mm { get; }
    public Core.Cpu.Cpu Cpu { get; }

    /// <summary>Where the buffer (<see cref="SimdState.Mem"/>) lives: RSI and RDI point here.</summary>
    public ulong BufferVa { get; set; } = CpuRig.DataVa;

    /// <summary>Loads <paramref name="input"/>, executes <paramref name="code"/> once (resolving demand
    /// page faults as the kernel would) and reads the state back into <paramref name="output"/>.</summary>
    public CpuExit Run(byte[] code, SimdState input, out SimdState output)
    {
        Load(code, input);
        CpuExit exit;
        int faults = 0;
        while (true)
        {
            exit = Cpu.Run(1);
            if (exit.Kind != CpuExitKind.PageFault || faults++ > 4
                || Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch) != FaultResult.Resolved)
            {
                break;
            }
        }
        output = Save();
        return exit;
    }

    public void Load(byte[] code, SimdState input, bool withMemory = true)
    {
        Assert.Equal(Errno.Ok, Mm.WriteUser(CpuRig.CodeVa, code, out _));
        CpuState s = Cpu.State;
        for (int n = 0; n < 16; n++)
        {
            s.SetYmm(n, Vector256.Create<byte>(input.Ymm[n]));
        }
        for (int k = 0; k < 8; k++)
        {
            s[SimdState.Gprs[k]] = input.Gpr[k];
        }
        s.Rsi = s.Rdi = BufferVa;
        s.Rflags = RFlags.InitialUser | (RFlags)input.Flags;
        s.Rip = CpuRig.CodeVa;
        if (withMemory)
        {
            Assert.Equal(Errno.Ok, Mm.WriteUser(BufferVa, input.Mem, out _));
        }
    }

    public SimdState Save(bool withMemory = true)
    {
        var o = new SimdState();
        CpuState s = Cpu.State;
        for (int n = 0; n < 16; n++)
        {
            s.GetYmm(n).CopyTo(o.Ymm[n]);
        }
        for (int k = 0; k < 8; k++)
        {
            o.Gpr[k] = s[SimdState.Gprs[k]];
        }
        o.Flags = (ulong)s.Rflags & (ulong)RFlags.Status;
        if (withMemory)
        {
            Assert.Equal(Errno.Ok, Mm.ReadUser(BufferVa, o.Mem, out _));
        }
        return o;
    }
}
