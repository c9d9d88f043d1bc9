using Iced.Intel;

namespace Emulator.Core.Cpu;

public sealed partial class Cpu
{
    /// <summary>Executes <paramref name="i"/> when it belongs to this unit.</summary>
    /// <returns>false when the instruction is not this unit's (<paramref name="ok"/> is then meaningless);
    /// true when it was handled, with <paramref name="ok"/> the handler's result (false: it exited).</returns>
    private bool TryExecVectorExtra(in Instruction i, out bool ok)
    {
        ok = false;
        return false;
    }
}
