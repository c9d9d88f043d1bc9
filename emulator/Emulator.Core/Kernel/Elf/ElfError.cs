using System.Globalization;

namespace Emulator.Core.Kernel.Elf;

/// <summary>Why <see cref="ElfImage.TryParse"/> rejected a file: the field, its file offset, and a message.</summary>
/// <param name="Kind">The class of error.</param>
/// <param name="Field">The field at fault as the ELF spec names it, e.g. <c>e_machine</c> or <c>phdr[2].p_filesz</c>.</param>
/// <param name="Offset">File offset of that field.</param>
/// <param name="Message">What is wrong, with the values involved.</param>
public readonly record struct ElfError(ElfErrorKind Kind, string Field, ulong Offset, string Message)
{
    /// <summary>True for a real error (not <c>default</c>).</summary>
    public bool IsError => Kind != ElfErrorKind.None;

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"malformed ELF: {Field} at offset 0x{Offset:x}: {Message}");
}
