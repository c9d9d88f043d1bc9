namespace Emulator.Core.Kernel.Elf;

/// <summary>Program header types (<c>PT_*</c>) the loader looks at; others are ignored.</summary>
public enum SegmentType : uint
{
    Null = 0,
    Load = 1,
    Dynamic = 2,
    /// <summary>PT_INTERP: the program needs a dynamic linker (not supported).</summary>
    Interp = 3,
    Note = 4,
    Phdr = 6,
    Tls = 7,
    /// <summary>PT_GNU_STACK: its PF_X says whether the stack is executable.</summary>
    GnuStack = 0x6474_E551,
    GnuRelro = 0x6474_E552,
}
