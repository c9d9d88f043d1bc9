namespace Emulator.Core.Mm;

/// <summary>mremap flags (Linux <c>MREMAP_*</c>).</summary>
[Flags]
public enum MremapFlags : uint
{
    None = 0,
    MayMove = 1,
    Fixed = 2,
    DontUnmap = 4,
}
