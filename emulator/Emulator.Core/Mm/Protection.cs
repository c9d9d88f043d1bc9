namespace Emulator.Core.Mm;

/// <summary>Memory protection (Linux <c>PROT_*</c> values).</summary>
/// <remarks>x86-64 page tables cannot express write-only or execute-only: any non-none protection
/// is readable, as on Linux/x86.</remarks>
[Flags]
public enum Protection : uint
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
    ReadWrite = Read | Write,
}
