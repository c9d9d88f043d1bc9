namespace Emulator.Core.Cpu.X87;

/// <summary>The outcome of an x87 comparison, numbered so that bit 0 is C0 (and CF), bit 1 is C2 (and
/// PF) and bit 2 is C3 (and ZF) of the condition code FCOM and FCOMI write (SDM Vol. 1 Table 8-6).</summary>
public enum X87Relation : byte
{
    Greater = 0b000,
    Less = 0b001,
    Equal = 0b100,
    Unordered = 0b111,
}
