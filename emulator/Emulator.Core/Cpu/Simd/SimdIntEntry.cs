namespace Emulator.Core.Cpu.Simd;

/// <summary>What the SIMD integer unit does with one Iced <see cref="Iced.Intel.Code"/>.</summary>
/// <param name="Form">The operand layout (the executor); <see cref="SimdIntForm.None"/> when the
/// code is not this unit's.</param>
/// <param name="Op">The lane operation, for the forms that compute.</param>
/// <param name="Size">The element size in bytes, for the forms that move one element (MOVSS/MOVSD,
/// PEXTR*/PINSR*, the move-mask forms).</param>
/// <param name="Level">The lowest <see cref="CpuLevel"/> that has the instruction (#UD below it).</param>
internal readonly record struct SimdIntEntry(SimdIntForm Form, LaneOp Op, byte Size, CpuLevel Level);
