using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Emulator.Core.Cpu.Simd;
using Iced.Intel;

namespace Emulator.Core.Cpu;

/// <summary>
/// The SIMD integer and data-movement unit: the XMM forms of SSE, SSE2, SSE3, SSSE3 and SSE4.1
/// moves, logic, integer arithmetic, compares, shifts, packs, unpacks, shuffles, blends and
/// element insert/extract, and their VEX.128 and VEX.256 (AVX/AVX2) forms. Which
/// <see cref="Code"/> is whose, and at which level, is <see cref="SimdIntegerTable"/>; the lane
/// arithmetic is <see cref="IntegerLanes"/>; the operand plumbing is in the partial files
/// <c>Cpu.SimdInteger.Lanes.cs</c>, <c>.Moves.cs</c> and <c>.Elements.cs</c>.
/// </summary>
/// <remarks>
/// Contract with the seam (<c>Cpu.Vector.cs</c>): a legacy SSE write keeps bits 255:128 of the
/// destination, a VEX.128 write zeroes them (SDM Vol. 1 §14.1.2); legacy m128 operands must be
/// 16-byte aligned (#GP) except for MOVUPS/MOVUPD/MOVDQU/LDDQU and the operands narrower than
/// 128 bits; VEX operands need no alignment except VMOVAPS/VMOVAPD/VMOVDQA/VMOVNT* (16 or 32).
/// Every memory operand is translated (for writing, when it is written) before any register,
/// flag or byte of memory changes, so a #PF or #GP leaves the state as it was.
/// </remarks>
public sealed partial class Cpu
{
    /// <summary>Every mnemonic this unit executes (legacy and VEX spellings).</summary>
    internal static readonly Mnemonic[] SimdIntegerMnemonics = SimdIntegerTable.Mnemonics;

    /// <summary>Executes <paramref name="i"/> when it belongs to this unit.</summary>
    /// <returns>false when the instruction is not this unit's (<paramref name="ok"/> is then meaningless);
    /// true when it was handled, with <paramref name="ok"/> the handler's result (false: it exited).</returns>
    private bool TryExecSimdInteger(in Instruction i, out bool ok)
    {
        SimdIntEntry e = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(SimdIntegerTable.Entries), (int)i.Code);
        if (e.Form == SimdIntForm.None)
        {
            ok = false;
            return false;
        }
        if (e.Level > _options.Level)
        {
            // An SSE3..SSE4.2 instruction on a v1 CPU: CPUID does not report it, so it does not exist.
            ok = Exit(CpuExitKind.InvalidOpcode);
            return true;
        }
        ok = e.Form switch
        {
            SimdIntForm.Binary => ExecSimdBinary(in i, e.Op),
            SimdIntForm.ShiftImm => ExecSimdShiftImm(in i, e.Op),
            SimdIntForm.Unary => ExecSimdUnary(in i, e.Op),
            SimdIntForm.Extend => ExecSimdExtend(in i, e.Op),
            SimdIntForm.BlendV => ExecSimdBlendV(in i, e.Op),
            SimdIntForm.PTest => ExecPtest(in i),
            SimdIntForm.MoveAligned => ExecMoveFull(in i, aligned: true),
            SimdIntForm.MoveUnaligned => ExecMoveFull(in i, aligned: false),
            SimdIntForm.MoveGpr => ExecMoveGpr(in i, e.Size),
            SimdIntForm.MoveQ => ExecMoveQ(in i),
            SimdIntForm.MoveScalar => ExecMoveScalar(in i, e.Size),
            SimdIntForm.MoveHigh => ExecMoveHalf(in i, high: true),
            SimdIntForm.MoveLow => ExecMoveHalf(in i, high: false),
            SimdIntForm.MoveHighToLow => ExecMoveHighToLow(in i),
            SimdIntForm.MoveLowToHigh => ExecMoveLowToHigh(in i),
            SimdIntForm.MoveMask => ExecMoveMask(in i, e.Size),
            SimdIntForm.MaskMove => ExecMaskMove(in i),
            SimdIntForm.Extract => ExecExtract(in i, e.Size),
            SimdIntForm.Insert => ExecInsert(in i, e.Size),
            _ => ExecInsertPs(in i),
        };
        return true;
    }
}
