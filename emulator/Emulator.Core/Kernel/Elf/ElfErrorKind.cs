namespace Emulator.Core.Kernel.Elf;

/// <summary>What is wrong with an ELF file the loader rejected.</summary>
public enum ElfErrorKind : byte
{
    None,
    /// <summary>The file ends before the ELF header or before a segment's file bytes.</summary>
    Truncated,
    /// <summary>The first four bytes are not <c>\x7fELF</c>.</summary>
    BadMagic,
    /// <summary><c>e_ident[EI_CLASS]</c> is not ELFCLASS64.</summary>
    NotElf64,
    /// <summary><c>e_ident[EI_DATA]</c> is not ELFDATA2LSB.</summary>
    NotLittleEndian,
    /// <summary><c>e_machine</c> is not EM_X86_64.</summary>
    WrongMachine,
    /// <summary><c>e_type</c> is ET_DYN (PIE or shared object): not supported.</summary>
    PositionIndependent,
    /// <summary><c>e_type</c> is neither ET_EXEC nor ET_DYN (a relocatable object, a core file).</summary>
    NotExecutable,
    /// <summary><c>e_phentsize</c> is not 56, or <c>e_phnum</c> is 0 or PN_XNUM.</summary>
    BadProgramHeaderTable,
    /// <summary>The program header table lies (partly) outside the file.</summary>
    ProgramHeadersOutsideFile,
    /// <summary>A PT_INTERP segment: the program is dynamically linked (not supported).</summary>
    Dynamic,
    /// <summary>A PT_LOAD's <c>p_filesz</c> exceeds its <c>p_memsz</c>.</summary>
    FileSizeAboveMemSize,
    /// <summary><c>p_offset</c> and <c>p_vaddr</c> differ modulo the page size.</summary>
    Misaligned,
    /// <summary>A PT_LOAD lies outside the user address space (or wraps around).</summary>
    OutsideUserSpace,
    /// <summary>Two PT_LOAD segments cover the same bytes.</summary>
    Overlap,
    /// <summary>No PT_LOAD segment with memory.</summary>
    NoLoadSegment,
    /// <summary><c>e_entry</c> is not inside an executable PT_LOAD.</summary>
    EntryNotExecutable,
}
