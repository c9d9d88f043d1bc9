namespace Emulator.Core.Trace;

/// <summary>Direction of a <c>dma</c> statement, seen from the device.</summary>
public enum DmaDirection : byte
{
    Read = 0,
    Write = 1,
}
