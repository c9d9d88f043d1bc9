namespace Emulator.Core.Mm;

/// <summary>mmap flags (Linux x86-64 <c>MAP_*</c> values). Only anonymous mappings are modelled.</summary>
[Flags]
public enum MapFlags : uint
{
    None = 0,
    Shared = 0x01,
    Private = 0x02,
    /// <summary>MAP_SHARED_VALIDATE: shared, with unknown flags rejected.</summary>
    SharedValidate = 0x03,
    Fixed = 0x10,
    Anonymous = 0x20,
    /// <summary>Accepted and ignored (Linux x86-64 treats MAP_GROWSDOWN stacks like this model's anon memory).</summary>
    GrowsDown = 0x0100,
    DenyWrite = 0x0800,
    Executable = 0x1000,
    Locked = 0x2000,
    NoReserve = 0x4000,
    /// <summary>Fault every page in at mmap time.</summary>
    Populate = 0x8000,
    NonBlock = 0x10000,
    Stack = 0x20000,
    HugeTlb = 0x40000,
    /// <summary>Like Fixed, but fails with EEXIST instead of replacing an existing mapping.</summary>
    FixedNoReplace = 0x100000,
}
