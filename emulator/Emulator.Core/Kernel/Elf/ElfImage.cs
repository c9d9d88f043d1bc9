using System.Globalization;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Elf;

/// <summary>
/// A validated static x86-64 executable: its header and program headers, checked so that
/// <see cref="Exec.ProcessImage.Load"/> can map it without further questions.
/// </summary>
/// <remarks>
/// <para>Accepted: ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_EXEC, no PT_INTERP. Rejected with a clear
/// <see cref="ElfError"/>: everything else <see cref="ElfErrorKind"/> lists. Linux's
/// <c>load_elf_binary</c> accepts ET_DYN too (PIE, static-pie, the dynamic linker itself); this
/// loader does not relocate, so it refuses them by name.</para>
/// <para>The file bytes are not kept: pass the same bytes to <c>ProcessImage.Load</c>.</para>
/// </remarks>
public sealed class ElfImage
{
    /// <summary>Lowest address a segment may use (the model's default <c>vm.mmap_min_addr</c>).</summary>
    public static readonly ulong UserStart = new AddressSpaceOptions().MmapMin;

    /// <summary>End of the user address space (x86-64 TASK_SIZE with 4-level paging, 47 bits less a page).</summary>
    public static readonly ulong UserEnd = new AddressSpaceOptions().UserEnd;

    private readonly ProgramHeader[] _phdrs;
    private readonly ProgramHeader[] _loads;

    private ElfImage(ElfHeader header, ProgramHeader[] phdrs, ProgramHeader[] loads, ulong phdrAddress, bool execStack)
    {
        Header = header;
        _phdrs = phdrs;
        _loads = loads;
        PhdrAddress = phdrAddress;
        ExecutableStack = execStack;
        ulong end = 0;
        foreach (var l in loads)
        {
            end = Math.Max(end, l.VaddrEnd);
        }
        Page.TryAlignUp(end, out ulong brk); // cannot overflow: every segment ends at or below UserEnd
        BrkBase = brk;
    }

    public ElfHeader Header { get; }

    /// <summary><c>e_entry</c>: the first instruction (inside an executable PT_LOAD).</summary>
    public ulong Entry => Header.Entry;

    /// <summary>Every program header, in file order.</summary>
    public IReadOnlyList<ProgramHeader> ProgramHeaders => _phdrs;

    /// <summary>The PT_LOAD segments with memory (<c>p_memsz</c> &gt; 0), in address order, not overlapping.</summary>
    public IReadOnlyList<ProgramHeader> LoadSegments => _loads;

    /// <summary>Where the program headers are in memory (AT_PHDR): inside the PT_LOAD whose file bytes
    /// contain them, or 0 when none does (as Linux computes it).</summary>
    public ulong PhdrAddress { get; }

    /// <summary>PT_GNU_STACK has PF_X: the stack is mapped executable (otherwise it is not, as on Linux x86-64).</summary>
    public bool ExecutableStack { get; }

    /// <summary>Initial program break: the end of the highest segment (its .bss included), page-aligned
    /// (Linux's <c>mm->start_brk</c> without randomisation).</summary>
    public ulong BrkBase { get; }

    /// <summary>Parses and validates <paramref name="file"/>.</summary>
    /// <returns>false with <paramref name="error"/> naming the first field found wrong (checks run in file order).</returns>
    public static bool TryParse(ReadOnlySpan<byte> file, out ElfImage? image, out ElfError error)
    {
        image = null;
        error = CheckHeader(file, out var h);
        if (error.IsError)
        {
            return false;
        }
        var phdrs = new ProgramHeader[h.PhNum];
        var loads = new List<(ProgramHeader P, int Index)>(h.PhNum);
        bool execStack = false;
        for (int i = 0; i < phdrs.Length; i++)
        {
            ulong at = h.PhOff + (ulong)i * ProgramHeader.Size;
            var p = ProgramHeader.Read(file[(int)at..]);
            phdrs[i] = p;
            if (p.Type == SegmentType.Interp)
            {
                error = Fail(ElfErrorKind.Dynamic, $"phdr[{i}].p_type", at + ProgramHeader.OffsetType,
                    "PT_INTERP: the program is dynamically linked, which is not supported; link it with -static");
                return false;
            }
            if (p.Type == SegmentType.GnuStack)
            {
                execStack = (p.Flags & SegmentFlags.Execute) != 0;
            }
            if (p.Type != SegmentType.Load)
            {
                continue;
            }
            error = CheckLoad(file.Length, i, at, p);
            if (error.IsError)
            {
                return false;
            }
            if (p.MemSize > 0)
            {
                loads.Add((p, i));
            }
        }
        if (loads.Count == 0)
        {
            error = Fail(ElfErrorKind.NoLoadSegment, "e_phnum", ElfHeader.OffsetPhNum, "no PT_LOAD segment with p_memsz > 0: nothing to run");
            return false;
        }
        // Sorted copy: the gABI requires PT_LOADs in ascending p_vaddr, Linux does not check; neither do we, beyond overlap.
        loads.Sort(static (a, b) => a.P.Vaddr.CompareTo(b.P.Vaddr));
        for (int i = 1; i < loads.Count; i++)
        {
            var (cur, prev) = (loads[i], loads[i - 1]);
            if (cur.P.Vaddr < prev.P.VaddrEnd)
            {
                error = Fail(ElfErrorKind.Overlap, $"phdr[{cur.Index}].p_vaddr", h.PhOff + (ulong)cur.Index * ProgramHeader.Size + ProgramHeader.OffsetVaddr,
                    Inv($"segment [0x{cur.P.Vaddr:x}, 0x{cur.P.VaddrEnd:x}) overlaps phdr[{prev.Index}]'s [0x{prev.P.Vaddr:x}, 0x{prev.P.VaddrEnd:x})"));
                return false;
            }
        }
        bool entryOk = false;
        ulong phdrAddress = 0;
        ulong phdrEnd = h.PhOff + (ulong)h.PhNum * ProgramHeader.Size;
        foreach (var (l, _) in loads)
        {
            entryOk |= (l.Flags & SegmentFlags.Execute) != 0 && h.Entry >= l.Vaddr && h.Entry < l.VaddrEnd;
            if (phdrAddress == 0 && l.Offset <= h.PhOff && phdrEnd <= l.Offset + l.FileSize)
            {
                phdrAddress = h.PhOff - l.Offset + l.Vaddr;
            }
        }
        if (!entryOk)
        {
            error = Fail(ElfErrorKind.EntryNotExecutable, "e_entry", ElfHeader.OffsetEntry,
                Inv($"0x{h.Entry:x} is not inside any executable (PF_X) PT_LOAD segment"));
            return false;
        }
        image = new ElfImage(h, phdrs, [.. loads.Select(static l => l.P)], phdrAddress, execStack);
        return true;
    }

    private static ElfError CheckHeader(ReadOnlySpan<byte> file, out ElfHeader h)
    {
        h = default;
        if (file.Length < ElfHeader.Size)
        {
            return Fail(ElfErrorKind.Truncated, "e_ident", 0, Inv($"the file is {file.Length} bytes; an ELF64 header needs {ElfHeader.Size}"));
        }
        h = ElfHeader.Read(file);
        if (h.IdentMagic != ElfHeader.Magic)
        {
            return Fail(ElfErrorKind.BadMagic, "e_ident[EI_MAG0..3]", 0, Inv($"bytes {Hex(file[..4])} are not 7f 45 4c 46 (\\x7fELF): not an ELF file"));
        }
        if (h.Class != ElfHeader.ClassElf64)
        {
            return Fail(ElfErrorKind.NotElf64, "e_ident[EI_CLASS]", ElfHeader.OffsetClass,
                Inv($"{h.Class} is not ELFCLASS64 (2){(h.Class == 1 ? ": a 32-bit file" : "")}"));
        }
        if (h.Data != ElfHeader.DataLittleEndian)
        {
            return Fail(ElfErrorKind.NotLittleEndian, "e_ident[EI_DATA]", ElfHeader.OffsetData, Inv($"{h.Data} is not ELFDATA2LSB (1, little-endian)"));
        }
        if (h.Machine != ElfHeader.MachineX86_64)
        {
            return Fail(ElfErrorKind.WrongMachine, "e_machine", ElfHeader.OffsetMachine, Inv($"{h.Machine} is not EM_X86_64 (62)"));
        }
        if (h.Type == ElfHeader.TypeDyn)
        {
            return Fail(ElfErrorKind.PositionIndependent, "e_type", ElfHeader.OffsetType,
                "ET_DYN (a PIE or shared object) is not supported: only static ET_EXEC executables (link with -static -no-pie)");
        }
        if (h.Type != ElfHeader.TypeExec)
        {
            return Fail(ElfErrorKind.NotExecutable, "e_type", ElfHeader.OffsetType, Inv($"{h.Type} is not ET_EXEC (2)"));
        }
        if (h.PhEntSize != ProgramHeader.Size)
        {
            return Fail(ElfErrorKind.BadProgramHeaderTable, "e_phentsize", ElfHeader.OffsetPhEntSize, Inv($"{h.PhEntSize} is not sizeof(Elf64_Phdr) (56)"));
        }
        if (h.PhNum == 0 || h.PhNum == ElfHeader.PhNumExtended)
        {
            return Fail(ElfErrorKind.BadProgramHeaderTable, "e_phnum", ElfHeader.OffsetPhNum,
                h.PhNum == 0 ? "0: no program headers" : "0xffff (PN_XNUM, extended numbering) is not supported");
        }
        ulong size = (ulong)h.PhNum * ProgramHeader.Size;
        if (h.PhOff > (ulong)file.Length || size > (ulong)file.Length - h.PhOff)
        {
            return Fail(ElfErrorKind.ProgramHeadersOutsideFile, "e_phoff", ElfHeader.OffsetPhOff,
                Inv($"the program header table [0x{h.PhOff:x}, +0x{size:x}) lies outside the file (0x{file.Length:x} bytes)"));
        }
        return default;
    }

    private static ElfError CheckLoad(int fileLength, int i, ulong at, in ProgramHeader p)
    {
        string name = $"phdr[{i}]";
        if (p.FileSize > p.MemSize)
        {
            return Fail(ElfErrorKind.FileSizeAboveMemSize, name + ".p_filesz", at + ProgramHeader.OffsetFileSize,
                Inv($"0x{p.FileSize:x} exceeds p_memsz 0x{p.MemSize:x}"));
        }
        if ((p.Offset & Page.Mask) != (p.Vaddr & Page.Mask))
        {
            return Fail(ElfErrorKind.Misaligned, name + ".p_vaddr", at + ProgramHeader.OffsetVaddr,
                Inv($"0x{p.Vaddr:x} and p_offset 0x{p.Offset:x} differ modulo the page size (0x{Page.Size:x}), so the segment cannot be mapped"));
        }
        if (p.Offset > (ulong)fileLength || p.FileSize > (ulong)fileLength - p.Offset)
        {
            return Fail(ElfErrorKind.Truncated, name + ".p_offset", at + ProgramHeader.OffsetOffset,
                Inv($"the segment's file bytes [0x{p.Offset:x}, +0x{p.FileSize:x}) go past the end of the file (0x{fileLength:x} bytes): truncated"));
        }
        if (p.MemSize > 0 && (Page.AlignDown(p.Vaddr) < UserStart || p.Vaddr > UserEnd || p.MemSize > UserEnd - p.Vaddr))
        {
            return Fail(ElfErrorKind.OutsideUserSpace, name + ".p_vaddr", at + ProgramHeader.OffsetVaddr,
                Inv($"segment [0x{p.Vaddr:x}, +0x{p.MemSize:x}) is outside the user address space [0x{UserStart:x}, 0x{UserEnd:x})"));
        }
        return default;
    }

    private static ElfError Fail(ElfErrorKind kind, string field, ulong offset, string message) => new(kind, field, offset, message);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string Hex(ReadOnlySpan<byte> b) => string.Join(' ', b.ToArray().Select(v => v.ToString("x2", CultureInfo.InvariantCulture)));
}
