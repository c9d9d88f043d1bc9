namespace Emulator.Core.Kernel.Fs;

/// <summary>One name in a directory listing.</summary>
/// <param name="Name">The name (a byte string).</param>
/// <param name="Ino">d_ino.</param>
/// <param name="Type">d_type (DT_*).</param>
internal readonly record struct DirEntry(string Name, ulong Ino, byte Type);
