namespace Emulator.Tests.Cpu.VectorExtra;

/// <summary>One instruction and its starting state for a differential run.</summary>
internal sealed record ProbeRun(byte[] Code, ProbeState Input, ulong FlagMask, string Description)
{
    /// <summary>A run of <paramref name="i"/> encoded at <see cref="VectorRig.CodeVa"/>.</summary>
    public static ProbeRun Of(in Iced.Intel.Instruction i, ProbeState input, ulong flagMask, string? note = null) =>
        new(ProbeInstruction.Encode(i, VectorRig.CodeVa), input, flagMask, ProbeInstruction.Format(i) + (note is null ? "" : " " + note));
}
