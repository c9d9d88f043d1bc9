using Emulator.Core.Kernel.Elf;

namespace Emulator.Tests.Kernel;

/// <summary>Hand-built ELF files: a header, program headers right after it, and segment bytes at their offsets.</summary>
internal static class ElfBytes
{
    public const ulong TextVa = 0x40_0000;
    public const ulong DataVa = 0x40_1000;
    public const ulong Entry = TextVa + 0x100;
    public const int FileSize = 0x2000;

    /// <summary>
    /// A valid static executable: phdr[0] text R+X [0x400000, +0x1000) from offset 0 (it holds the
    /// headers, and code bytes 0xCC.. at the entry), phdr[1] data RW at 0x401000 with 0x10 file bytes and
    /// 0x3000 of memory (so .bss spans three pages), phdr[2] PT_GNU_STACK RW.
    /// </summary>
    public static (ElfHeader Header, ProgramHeader[] Phdrs) Valid() =>
        (ElfHeader.ValidExec(Entry, 3),
        [
            new ProgramHeader { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Execute, Offset = 0, Vaddr = TextVa, Paddr = TextVa, FileSize = 0x1000, MemSize = 0x1000, Align = 0x1000 },
            new ProgramHeader { Type = SegmentType.Load, Flags = SegmentFlags.Read | SegmentFlags.Write, Offset = 0x1000, Vaddr = DataVa, Paddr = DataVa, FileSize = 0x10, MemSize = 0x3000, Align = 0x1000 },
            new ProgramHeader { Type = SegmentType.GnuStack, Flags = SegmentFlags.Read | SegmentFlags.Write, Align = 0x10 },
        ]);

    /// <summary>The file: header, phdrs, code bytes at the entry (0xCC, 0xC3, ...), data bytes 0x11..0x20 at 0x1000.</summary>
    public static byte[] Build(ElfHeader header, ProgramHeader[] phdrs, int fileSize = FileSize)
    {
        var file = new byte[fileSize];
        if (fileSize >= ElfHeader.Size)
        {
            header.Write(file);
        }
        for (int i = 0; i < phdrs.Length; i++)
        {
            ulong at = header.PhOff + (ulong)(i * ProgramHeader.Size);
            if (header.PhOff < (ulong)fileSize && at >= header.PhOff && at <= (ulong)(fileSize - ProgramHeader.Size))
            {
                phdrs[i].Write(file.AsSpan((int)at));
            }
        }
        for (int i = 0; i < 16 && 0x100 + i < fileSize; i++)
        {
            file[0x100 + i] = (byte)(0xC0 + i);
        }
        for (int i = 0; i < 16 && 0x1000 + i < fileSize; i++)
        {
            file[0x1000 + i] = (byte)(0x11 + i);
        }
        return file;
    }

    public static byte[] Valid(out ElfHeader header, out ProgramHeader[] phdrs)
    {
        (header, phdrs) = Valid();
        return Build(header, phdrs);
    }
}
