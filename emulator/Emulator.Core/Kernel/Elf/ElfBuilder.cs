namespace Emulator.Core.Kernel.Elf;

/// <summary>Writes a minimal static ELF64 executable (ET_EXEC, x86-64): the header, the program
/// headers right after it, and one block of file contents at a page-aligned offset. For programs
/// assembled in process (the built-in guest, the benchmarks' workloads); the loader's tests use it too.</summary>
public static class ElfBuilder
{
    /// <summary>The file: <paramref name="segments"/> describe where its parts load (their file offsets
    /// must point into <paramref name="contents"/> placed at <paramref name="contentsOffset"/>, or be
    /// zero-filled segments with no file bytes).</summary>
    /// <param name="entry">The entry point.</param>
    /// <param name="segments">Program headers, written in this order.</param>
    /// <param name="contentsOffset">Where <paramref name="contents"/> starts in the file: after the
    /// headers, page aligned so it can be mapped.</param>
    /// <param name="contents">The bytes the segments load (code, initialised data).</param>
    /// <exception cref="ArgumentException">The headers do not fit before <paramref name="contentsOffset"/>.</exception>
    public static byte[] Exec(ulong entry, IReadOnlyList<ProgramHeader> segments, int contentsOffset, ReadOnlySpan<byte> contents)
    {
        ArgumentNullException.ThrowIfNull(segments);
        var header = ElfHeader.ValidExec(entry, (ushort)segments.Count);
        if ((long)header.PhOff + (long)segments.Count * ProgramHeader.Size > contentsOffset)
        {
            throw new ArgumentException($"{segments.Count} program headers do not fit before offset {contentsOffset}", nameof(contentsOffset));
        }
        var file = new byte[contentsOffset + contents.Length];
        header.Write(file);
        for (int i = 0; i < segments.Count; i++)
        {
            segments[i].Write(file.AsSpan((int)header.PhOff + i * ProgramHeader.Size));
        }
        contents.CopyTo(file.AsSpan(contentsOffset));
        return file;
    }
}
