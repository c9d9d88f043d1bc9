using Iced.Intel;

namespace Emulator.Core.Cpu.Translate;

/// <summary>One decoded guest instruction of a region, with what the later stages need.</summary>
internal struct GuestInstruction
{
    public Instruction Instruction;
    public OpClass Class;

    /// <summary>Status flags (RFLAGS bits) the instruction may read.</summary>
    public ulong FlagsUsed;

    /// <summary>Status flags the instruction always writes, as this CPU implements it (an
    /// instruction that leaves an "undefined" flag unchanged does not define it).</summary>
    public ulong FlagsDefined;

    /// <summary>Status flags that may be read after the instruction before being written again,
    /// inside the region or after an exit (set by <see cref="FlagLiveness"/>).</summary>
    public ulong LiveAfter;
}
