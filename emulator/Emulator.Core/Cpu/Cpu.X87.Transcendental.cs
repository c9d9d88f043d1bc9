using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private bool ExecX87Transcendental(in Instruction i, Mnemonic m) => Exit(CpuExitKind.InvalidOpcode);
}
