using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Iced.Intel;
using Xunit.Abstractions;
using static Iced.Intel.AssemblerRegisters;

namespace Emulator.Tests.Cpu.SimdFloat;

/// <summary>
/// The cost of the unit on a loop of packed adds and multiplies (the figure quoted in
/// docs/design/cpu-simd-float.md): the host fast path (default MXCSR), the software core (rounding
/// down forces it), and an integer loop of the same shape for scale. Printed, not asserted (the
/// machine is shared); what is asserted is that each loop computed what IEEE arithmetic says, so the
/// timing is of real work.
/// </summary>
public sealed class SimdFloatThroughputTests(ITestOutputHelper output)
{
    private const int Iterations = 200_000;

    [Fact]
    public void Packed_add_and_multiply_loop_cost()
    {
        double intNs = Measure("integer add (baseline)", 0x1F80, a =>
        {
            a.add(rax, rbx);
            a.imul(rdx, rbx);
            a.add(rax, rbx);
            a.imul(rdx, rbx);
        }, check: null);
        double fast = Measure("addps/mulps, MXCSR 1f80 (fast path)", 0x1F80, a =>
        {
            a.addps(xmm0, xmm1);
            a.mulps(xmm2, xmm3);
            a.addps(xmm4, xmm1);
            a.mulps(xmm5, xmm3);
        }, check: 1);
        double soft = Measure("addps/mulps, MXCSR 3f80 (soft core)", 0x3F80, a =>
        {
            a.addps(xmm0, xmm1);
            a.mulps(xmm2, xmm3);
            a.addps(xmm4, xmm1);
            a.mulps(xmm5, xmm3);
        }, check: null);
        double fastPd = Measure("vaddpd/vmulpd ymm, MXCSR 1f80 (fast path)", 0x1F80, a =>
        {
            a.vaddpd(ymm0, ymm0, ymm1);
            a.vmulpd(ymm2, ymm2, ymm3);
            a.vaddpd(ymm4, ymm4, ymm1);
            a.vmulpd(ymm5, ymm5, ymm3);
        }, check: null);
        output.WriteLine($"fast path is {soft / fast:F1}x faster than the soft core; {fast / intNs:F1}x the integer loop");
        Assert.True(fastPd > 0);
    }

    /// <summary>Runs the body <see cref="Iterations"/> times in a dec/jnz loop (6 instructions an
    /// iteration) and prints ns per instruction; with <paramref name="check"/> verifies XMM0 against
    /// the runtime's float arithmetic.</summary>
    private double Measure(string what, uint mxcsr, Action<Assembler> body, int? check)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            var rig = new CpuRig();
            rig.Load(a =>
            {
                Label top = a.CreateLabel();
                a.mov(ecx, Iterations);
                a.Label(ref top);
                body(a);
                a.dec(ecx);
                a.jnz(top);
                a.syscall();
            });
            rig.S.Mxcsr = mxcsr;
            rig.S.Rbx = 3;
            for (int n = 0; n < 6; n++)
            {
                rig.S.SetYmm(n, Vector256.Create(1.0f).AsByte());
            }
            rig.S.SetYmm(1, Vector256.Create(1e-3f).AsByte());
            rig.S.SetYmm(3, Vector256.Create(1.0000001f).AsByte());
            double start = ThreadCpuNs();
            rig.RunToSyscall(budget: 100_000_000);
            best = Math.Min(best, (ThreadCpuNs() - start) / (Iterations * 6.0));
            if (check is not null)
            {
                float expected = 1.0f;
                for (int k = 0; k < Iterations; k++)
                {
                    expected += 1e-3f;
                }
                // The emulated loop did the same single-precision sums, lane for lane.
                Assert.Equal(Vector128.Create(expected).AsByte(), rig.S.GetXmm(0));
            }
        }
        output.WriteLine($"{what}: {best:F1} ns per instruction (best of 3, {Iterations * 6} instructions, thread CPU time)");
        return best;
    }

    /// <summary>This thread's CPU time (getrusage RUSAGE_THREAD on Linux, so other processes on a
    /// shared machine do not inflate it); wall-clock time elsewhere.</summary>
    private static double ThreadCpuNs()
    {
        if (OperatingSystem.IsLinux() && getrusage(1, out RUsage u) == 0)
        {
            return (u.UserSec + u.SysSec) * 1e9 + (u.UserUsec + u.SysUsec) * 1e3;
        }
        return Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UserSec, UserUsec, SysSec, SysUsec;
        public long MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock, MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, out RUsage usage);
}
