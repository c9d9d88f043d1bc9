using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    private bool ExecX87StateInstruction(in Instruction i) => Exit(CpuExitKind.InvalidOpcode);
}
