using Emulator.Core.Diagnostics;
using Emulator.Core.Kernel.Elf;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel.Exec;

/// <summary>
/// execve's second half for a static ELF (Linux <c>load_elf_binary</c> + <c>create_elf_tables</c>,
/// without randomisation): maps the PT_LOAD segments, sets up the stack with argv, envp and the
/// auxiliary vector, and says where the CPU starts.
/// </summary>
/// <remarks>
/// <para><b>The address space</b> must be fresh and created with
/// <see cref="OptionsFor(ElfImage, AddressSpaceOptions)"/>, so its program break starts right after the
/// image as Linux's <c>mm->start_brk</c> does (the mm fixes its initial break at creation; there is no
/// "set brk base" call).</para>
/// <para><b>Segments</b>: every page any PT_LOAD touches is mapped private anonymous, the segment's file
/// bytes [p_vaddr, p_vaddr + p_filesz) are stored through <see cref="AddressSpace.WriteUser"/>, and the
/// rest stays zero — .bss included. Then each segment's pages get its PF_R/W/X protection, in address
/// order (a page shared by two segments ends with the later one's, as Linux's MAP_FIXED leaves it).
/// Linux shows the file's neighbouring bytes in the partial pages around a segment; here they are
/// zero — nothing a conforming program reads.</para>
/// <para><b>Failure</b> after the first mapping leaves the mm partly populated, like an execve past its
/// point of no return: the caller discards it.</para>
/// </remarks>
public static partial class ProcessImage
{
    /// <summary>Longest single argv/envp string, terminator included (Linux MAX_ARG_STRLEN, 32 pages).</summary>
    public const int MaxArgStrlen = 32 * Page.Size;

    /// <summary>The options for a new mm that will run <paramref name="elf"/>: <paramref name="template"/>
    /// with the program break starting at the end of the image.</summary>
    public static AddressSpaceOptions OptionsFor(ElfImage elf, AddressSpaceOptions template)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(template);
        return template with { BrkStart = elf.BrkBase };
    }

    /// <summary>Loads <paramref name="elf"/> into <paramref name="mm"/> and builds its initial stack.</summary>
    /// <param name="mm">A fresh address space made with <see cref="OptionsFor"/>.</param>
    /// <param name="elf">The parsed image of <paramref name="file"/>.</param>
    /// <param name="file">The executable's bytes (the ones <paramref name="elf"/> was parsed from).</param>
    /// <param name="argv">Arguments; argv[0] is conventionally the program name.</param>
    /// <param name="envp">Environment strings, <c>NAME=value</c>.</param>
    /// <param name="process">Where the CPU starts and where things were put; null on failure.</param>
    /// <param name="options">Credentials, AT_RANDOM seed, stack size; null for <see cref="ProcessImageOptions.Default"/>.</param>
    /// <returns>Ok; <see cref="Errno.E2BIG"/> (a string longer than <see cref="MaxArgStrlen"/>, or
    /// all of them more than a quarter of the stack), EINVAL (a string containing NUL), or the mm's
    /// error mapping or writing (ENOMEM, EEXIST when the mm is not empty, ESRCH when it exited).</returns>
    /// <exception cref="ArgumentException"><paramref name="mm"/>'s program break starts inside the
    /// image, or <paramref name="file"/> is shorter than <paramref name="elf"/>'s segments need (caller bugs).</exception>
    public static Errno Load(AddressSpace mm, ElfImage elf, ReadOnlySpan<byte> file, IReadOnlyList<string> argv,
        IReadOnlyList<string> envp, out LoadedProcess? process, ProcessImageOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mm);
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(envp);
        options ??= ProcessImageOptions.Default;
        process = null;
        if (mm.Options.BrkStart < elf.BrkBase)
        {
            throw new ArgumentException(
                $"{mm}'s program break starts at 0x{mm.Options.BrkStart:x}, inside the image (ends 0x{elf.BrkBase:x}); create it with ProcessImage.OptionsFor",
                nameof(mm));
        }
        foreach (var seg in elf.LoadSegments)
        {
            if ((ulong)file.Length < seg.Offset + seg.FileSize)
            {
                throw new ArgumentException($"the file is 0x{file.Length:x} bytes; segment {seg} needs more", nameof(file));
            }
        }
        var err = CheckStrings(argv, envp, options, out var strings);
        if (err != Errno.Ok)
        {
            return err;
        }
        err = MapSegments(mm, elf, file);
        if (err != Errno.Ok)
        {
            Log.GuestError.Debug("{0}: loading the ELF image failed: {1}", mm, err);
            return err;
        }
        return BuildStack(mm, elf, strings, options, out process);
    }

    private static Errno MapSegments(AddressSpace mm, ElfImage elf, ReadOnlySpan<byte> file)
    {
        const MapFlags flags = MapFlags.Private | MapFlags.Anonymous | MapFlags.FixedNoReplace;
        ulong mappedEnd = 0;
        foreach (var seg in elf.LoadSegments)
        {
            ulong start = Page.AlignDown(seg.Vaddr);
            Page.TryAlignUp(seg.VaddrEnd, out ulong end); // the parser kept segments below UserEnd
            ulong from = Math.Max(start, mappedEnd);
            if (from < end)
            {
                var err = mm.Mmap(from, end - from, Protection.ReadWrite, flags, out _);
                if (err != Errno.Ok)
                {
                    return err;
                }
            }
            mappedEnd = Math.Max(mappedEnd, end);
            if (seg.FileSize > 0)
            {
                var err = mm.WriteUser(seg.Vaddr, file.Slice((int)seg.Offset, (int)seg.FileSize), out _);
                if (err != Errno.Ok)
                {
                    return Errno.ENOMEM; // a fresh RW mapping only fails a store when frames run out
                }
            }
        }
        foreach (var seg in elf.LoadSegments)
        {
            ulong start = Page.AlignDown(seg.Vaddr);
            Page.TryAlignUp(seg.VaddrEnd, out ulong end);
            var err = mm.Mprotect(start, end - start, ProtectionOf(seg.Flags));
            if (err != Errno.Ok)
            {
                return err;
            }
        }
        return Errno.Ok;
    }

    /// <summary>PF_R/W/X as PROT_READ/WRITE/EXEC.</summary>
    public static Protection ProtectionOf(SegmentFlags flags) =>
        ((flags & SegmentFlags.Read) != 0 ? Protection.Read : Protection.None) |
        ((flags & SegmentFlags.Write) != 0 ? Protection.Write : Protection.None) |
        ((flags & SegmentFlags.Execute) != 0 ? Protection.Exec : Protection.None);
}
