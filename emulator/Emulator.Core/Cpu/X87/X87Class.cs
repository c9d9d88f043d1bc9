namespace Emulator.Core.Cpu.X87;

/// <summary>FXAM's classification as C3:C2:C0 (SDM Vol. 2A FXAM); C1 is the sign.</summary>
public enum X87Class : byte
{
    Unsupported = 0b000,
    NaN = 0b001,
    Normal = 0b010,
    Infinity = 0b011,
    Zero = 0b100,
    Empty = 0b101,
    Denormal = 0b110,
}
