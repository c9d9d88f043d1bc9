using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Tests.Mm;
using Emulator.Tests.Support;
using System.Runtime.Intrinsics;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>Runs <see cref="ProbeState"/> cases on the emulator: one instruction at <see cref="CpuRig.CodeVa"/>
/// with RSI = <see cref="CpuRig.DataVa"/> holding the memory operand. The decoded-instruction cache is
/// off, so each case's bytes are decoded afresh.</summary>
internal sealed class EmulatorProbe
{
    private readonly AddressSpace _mm;
    private readonly Core.Cpu.Cpu _cpu;

    public EmulatorProbe(CpuLevel level = CpuLevel.V3)
    {
        (Machine machine, _mm) = TestMachines.NewProcess();
        _cpu = new Core.Cpu.Cpu(MmKit.AttachCpu(machine, _mm), new CpuOptions { Level = level });
        MmKit.MapAt(_mm, CpuRig.CodeVa, 1, Protection.Read | Protection.Write | Protection.Exec);
        MmKit.MapAt(_mm, CpuRig.DataVa, 1, Protection.ReadWrite);
    }

    public Core.Cpu.Cpu Cpu => _cpu;

    public ProbeState Run(ProbeState input)
    {
        CpuState s = _cpu.State;
        Assert.Equal(Errno.Ok, _mm.WriteUser(CpuRig.CodeVa, input.Code, out _));
        Assert.Equal(Errno.Ok, _mm.WriteUser(CpuRig.DataVa, input.Mem, out _));
        s.Rip = CpuRig.CodeVa;
        s.Rax = input.Gpr[0];
        s.Rcx = input.Gpr[1];
        s.Rdx = input.Gpr[2];
        s.Rbx = input.Gpr[3];
        s.Rsi = CpuRig.DataVa;
        s.Rflags = RFlags.InitialUser | ((RFlags)input.Rflags & RFlags.Status);
        for (int n = 0; n < 16; n++)
        {
            s.SetYmm(n, Vector256.Create<byte>(input.Ymm.AsSpan(32 * n, 32)));
        }
        for (int k = 0; k < 8; k++)
        {
            s.Fpu.Significand[k] = input.Mm[k];
        }
        s.Mxcsr = input.Mxcsr;

        CpuExit exit = _cpu.Run(1);

        var output = new ProbeState { Label = input.Label, Code = input.Code, Mxcsr = s.Mxcsr, Rflags = (ulong)s.Rflags };
        output.Fault = exit.Kind switch
        {
            CpuExitKind.BudgetExhausted => ProbeState.Outcome.Completed,
            CpuExitKind.SimdFloatingPoint => ProbeState.Outcome.SimdException,
            CpuExitKind.GeneralProtection => ProbeState.Outcome.GeneralProtection,
            CpuExitKind.InvalidOpcode => ProbeState.Outcome.InvalidOpcode,
            _ => ProbeState.Outcome.Other,
        };
        output.Gpr[0] = s.Rax;
        output.Gpr[1] = s.Rcx;
        output.Gpr[2] = s.Rdx;
        output.Gpr[3] = s.Rbx;
        for (int n = 0; n < 16; n++)
        {
            s.GetYmm(n).CopyTo(output.Ymm.AsSpan(32 * n, 32));
        }
        for (int k = 0; k < 8; k++)
        {
            output.Mm[k] = s.Fpu.Significand[k];
        }
        Assert.Equal(Errno.Ok, _mm.ReadUser(CpuRig.DataVa, output.Mem, out _));
        return output;
    }
}
