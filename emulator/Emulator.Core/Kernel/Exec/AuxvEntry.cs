namespace Emulator.Core.Kernel.Exec;

/// <summary>One auxiliary vector pair as it is on the initial stack (two 64-bit words).</summary>
public readonly record struct AuxvEntry(AuxvType Type, ulong Value)
{
    public override string ToString() => $"AT_{Type.ToString().ToUpperInvariant()}=0x{Value:x}";
}
