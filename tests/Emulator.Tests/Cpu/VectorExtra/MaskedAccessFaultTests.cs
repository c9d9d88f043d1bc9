using System.Runtime.Intrinsics;
using Emulator.Core;
using Emulator.Core.Cpu;
using Emulator.Core.Mm;
using Emulator.Tests.Mm;
using Iced.Intel;

namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>
/// Gathers and masked moves against page faults: a gather that faults part-way keeps the elements
/// below the fault (their mask elements cleared) and restarts from the faulting one; masked-off
/// elements are never accessed, so they cannot fault or be written; a faulting masked store writes
/// nothing.
/// </summary>
public sealed class MaskedAccessFaultTests
{
    private const ulong Window = VectorRig.DataVa;
    private const ulong Lazy = VectorRig.DataVa + 0x1000;      // mapped, not yet present: the first access is a resolvable #PF
    private const ulong Unmapped = VectorRig.DataVa + 0x10_0000; // in no mapping: #PF that stays

    private static VectorRig NewRig()
    {
        var rig = new VectorRig();
        MmKit.MapAt(rig.Mm, Lazy, 1);
        return rig;
    }

    private static CpuExit Run(VectorRig rig, Instruction i)
    {
        rig.LoadCode(ProbeInstruction.Encode(i, VectorRig.CodeVa));
        return rig.Cpu.Run(1);
    }

    private static void WriteDwords(VectorRig rig, ulong va, params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(va, bytes, out _));
    }

    [Fact]
    public void Gather_faulting_on_element_3_completes_elements_0_to_2_and_restarts_from_3()
    {
        var rig = NewRig();
        WriteDwords(rig, Window, 100, 101, 102, 103, 104, 105, 106, 107);
        rig.S.Rsi = Window;
        // Element 3 indexes the not-yet-present page (1024 dwords on); the others the window.
        rig.S.SetYmm(1, Vector256.Create(0, 1, 2, 1024, 4, 5, 6, 7).AsByte());
        rig.S.SetYmm(2, Vector256<byte>.AllBitsSet);
        rig.S.SetYmm(0, Vector256.Create(9u).AsByte());
        Instruction gather = Instruction.Create(Code.VEX_Vpgatherdd_ymm_vm32y_ymm, Register.YMM0,
            new MemoryOperand(Register.RSI, Register.YMM1, 4, 0, 0), Register.YMM2);

        CpuExit first = Run(rig, gather);

        // A #PF on element 3's address, RIP still at the gather.
        Assert.Equal(CpuExitKind.PageFault, first.Kind);
        Assert.Equal(Lazy, first.FaultAddress);
        Assert.Equal(VectorRig.CodeVa, rig.S.Rip);
        // Elements 0-2 are loaded and their mask elements cleared; 3-7 untouched, mask still set.
        Assert.Equal(Vector256.Create(100u, 101, 102, 9, 9, 9, 9, 9), rig.S.GetYmm(0).AsUInt32());
        Assert.Equal(Vector256.Create(0u, 0, 0, ~0u, ~0u, ~0u, ~0u, ~0u), rig.S.GetYmm(2).AsUInt32());

        // The kernel resolves the fault (the new page reads as zero) and the gather runs again.
        WriteDwords(rig, Window, 200, 201, 202);   // prove elements 0-2 are not reloaded
        Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(first.FaultAddress, first.IsWrite, first.IsFetch));
        CpuExit second = rig.Cpu.Run(1);

        Assert.Equal(CpuExitKind.BudgetExhausted, second.Kind);
        Assert.Equal(Vector256.Create(100u, 101, 102, 0, 104, 105, 106, 107), rig.S.GetYmm(0).AsUInt32());
        Assert.Equal(Vector256<byte>.Zero, rig.S.GetYmm(2));   // the mask is all zero on completion
    }

    [Fact]
    public void Gather_faulting_on_its_first_enabled_element_changes_nothing()
    {
        var rig = NewRig();
        rig.S.Rsi = Window;
        rig.S.SetYmm(1, Vector256.Create(0x40_0000L, 0, 1, 2).AsByte());   // element 0 far outside any mapping
        rig.S.SetYmm(2, Vector256.Create(-1L, -1, 0, -1).AsByte());
        rig.S.SetYmm(0, Vector256.Create(7L).AsByte());
        Instruction gather = Instruction.Create(Code.VEX_Vpgatherqq_ymm_vm64y_ymm, Register.YMM0,
            new MemoryOperand(Register.RSI, Register.YMM1, 4, 0, 0), Register.YMM2);

        CpuExit exit = Run(rig, gather);

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.Equal(Window + 0x100_0000, exit.FaultAddress);
        Assert.Equal(Vector256.Create(7L).AsByte(), rig.S.GetYmm(0));
        Assert.Equal(Vector256.Create(-1L, -1, 0, -1).AsByte(), rig.S.GetYmm(2));
    }

    [Fact]
    public void Gather_never_touches_a_masked_off_element()
    {
        var rig = NewRig();
        WriteDwords(rig, Window, 100, 101, 102, 103);
        rig.S.Rsi = Window;
        rig.S.SetXmm(1, Vector128.Create(0, 0x10_0000, 2, 0x10_0000).AsByte());   // elements 1 and 3 unmapped
        rig.S.SetXmm(2, Vector128.Create(-1, 0, -1, 0x7fff_ffff).AsByte());
        Instruction gather = Instruction.Create(Code.VEX_Vpgatherdd_xmm_vm32x_xmm, Register.XMM0,
            new MemoryOperand(Register.RSI, Register.XMM1, 4, 0, 0), Register.XMM2);

        CpuExit exit = Run(rig, gather);

        Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);
        Assert.Equal(Vector128.Create(100u, 0, 102, 0), rig.S.GetXmm(0).AsUInt32());
        Assert.Equal(Vector256<byte>.Zero, rig.S.GetYmm(2));
    }

    [Fact]
    public void Masked_load_straddling_an_unmapped_page_reads_only_enabled_elements()
    {
        var rig = NewRig();
        ulong last = Lazy + 0xFF0;   // 16 bytes before the end of the lazy page; what follows is unmapped
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(last, [1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0], out _));
        rig.S.Rsi = last;
        rig.S.SetYmm(1, Vector256.Create(-1, 0, -1, -1, 0, 0, 0, 0).AsByte());   // elements 4-7 (unmapped) masked off
        rig.S.SetYmm(0, Vector256<byte>.AllBitsSet);

        CpuExit exit = Run(rig, Instruction.Create(Code.VEX_Vpmaskmovd_ymm_ymm_m256, Register.YMM0, Register.YMM1, new MemoryOperand(Register.RSI)));

        Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);
        Assert.Equal(Vector256.Create(1u, 0, 3, 4, 0, 0, 0, 0), rig.S.GetYmm(0).AsUInt32());
    }

    [Fact]
    public void Masked_load_with_an_enabled_element_on_a_missing_page_faults_then_completes()
    {
        var rig = NewRig();
        rig.S.Rsi = Lazy - 8;   // elements 0-1 in the window page, 2-3 on the not-yet-present page
        WriteDwords(rig, Lazy - 8, 5, 6);
        rig.S.SetXmm(1, Vector128.Create(-1, 0, 0, -1).AsByte());
        rig.S.SetYmm(0, Vector256.Create(9u).AsByte());
        Instruction load = Instruction.Create(Code.VEX_Vmaskmovps_xmm_xmm_m128, Register.XMM0, Register.XMM1, new MemoryOperand(Register.RSI));

        CpuExit first = Run(rig, load);

        Assert.Equal(CpuExitKind.PageFault, first.Kind);
        Assert.Equal(Lazy + 4, first.FaultAddress);
        Assert.Equal(Vector256.Create(9u).AsByte(), rig.S.GetYmm(0));   // destination unchanged
        Assert.Equal(FaultResult.Resolved, rig.Mm.HandleFault(first.FaultAddress, first.IsWrite, first.IsFetch));
        Assert.Equal(CpuExitKind.BudgetExhausted, rig.Cpu.Run(1).Kind);
        Assert.Equal(Vector256.Create(5u, 0, 0, 0, 0, 0, 0, 0), rig.S.GetYmm(0).AsUInt32());
    }

    [Fact]
    public void Masked_store_writes_only_enabled_elements_and_skips_a_read_only_page()
    {
        var rig = NewRig();
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(Lazy, new byte[16], out _));
        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(Lazy, MmKit.P, Protection.Read));
        rig.S.Rsi = Lazy - 16;   // qwords 0-1 in the window, 2-3 on the read-only page
        WriteDwords(rig, Lazy - 16, 1, 1, 2, 2);
        rig.S.SetYmm(1, Vector256.Create(0L, -1, 0, 0).AsByte());
        rig.S.SetYmm(2, Vector256.Create(7L, 8, 9, 10).AsByte());

        CpuExit exit = Run(rig, Instruction.Create(Code.VEX_Vpmaskmovq_m256_ymm_ymm, new MemoryOperand(Register.RSI), Register.YMM1, Register.YMM2));

        Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);
        var b = new byte[32];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(Lazy - 16, b, out _));
        Assert.Equal(0x0000_0001_0000_0001UL, BitConverter.ToUInt64(b, 0));   // element 0 masked off: unchanged
        Assert.Equal(8UL, BitConverter.ToUInt64(b, 8));                       // element 1 stored
        Assert.Equal(0UL, BitConverter.ToUInt64(b, 16));                      // read-only page untouched
    }

    [Fact]
    public void Masked_store_with_an_enabled_element_on_a_read_only_page_faults_and_writes_nothing()
    {
        var rig = NewRig();
        Assert.Equal(Errno.Ok, rig.Mm.WriteUser(Lazy, new byte[16], out _));
        Assert.Equal(Errno.Ok, rig.Mm.Mprotect(Lazy, MmKit.P, Protection.Read));
        rig.S.Rsi = Lazy - 16;
        WriteDwords(rig, Lazy - 16, 1, 1, 2, 2);
        rig.S.SetYmm(1, Vector256.Create(-1L, -1, -1, 0).AsByte());
        rig.S.SetYmm(2, Vector256.Create(7L, 8, 9, 10).AsByte());

        CpuExit exit = Run(rig, Instruction.Create(Code.VEX_Vpmaskmovq_m256_ymm_ymm, new MemoryOperand(Register.RSI), Register.YMM1, Register.YMM2));

        Assert.Equal(CpuExitKind.PageFault, exit.Kind);
        Assert.True(exit.IsWrite);
        Assert.Equal(Lazy, exit.FaultAddress);
        var b = new byte[16];
        Assert.Equal(Errno.Ok, rig.Mm.ReadUser(Lazy - 16, b, out _));
        // Elements 0 and 1 were on a writable page but are not written: the store is precise.
        Assert.Equal(0x0000_0001_0000_0001UL, BitConverter.ToUInt64(b, 0));
        Assert.Equal(0x0000_0002_0000_0002UL, BitConverter.ToUInt64(b, 8));
    }

    [Fact]
    public void Fully_masked_store_to_an_unmapped_page_does_not_fault()
    {
        var rig = NewRig();
        rig.S.Rsi = Unmapped;
        rig.S.SetYmm(1, Vector256.Create(0x7fff_ffff).AsByte());

        CpuExit exit = Run(rig, Instruction.Create(Code.VEX_Vmaskmovps_m256_ymm_ymm, new MemoryOperand(Register.RSI), Register.YMM1, Register.YMM2));

        Assert.Equal(CpuExitKind.BudgetExhausted, exit.Kind);
    }
}
