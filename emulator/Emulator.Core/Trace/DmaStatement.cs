namespace Emulator.Core.Trace;

/// <summary><c>dma DEV PROC read ADDR SIZE</c> or <c>dma DEV PROC write ADDR SIZE PATTERN</c>; <paramref name="Data"/> is <c>default</c> for a read.</summary>
public sealed record DmaStatement(string Device, string Process, DmaDirection Direction, ulong Address, ulong Size, Pattern Data = default) : ActionStatement;
