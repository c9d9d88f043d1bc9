namespace Emulator.Core.Kernel.Elf;

/// <summary>Segment permissions (<c>PF_*</c>).</summary>
[Flags]
public enum SegmentFlags : uint
{
    None = 0,
    Execute = 1,
    Write = 2,
    Read = 4,
}
