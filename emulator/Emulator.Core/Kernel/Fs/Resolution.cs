namespace Emulator.Core.Kernel.Fs;

/// <summary>Where a path walk ended.</summary>
/// <param name="Parent">The directory holding the last component (for "/", ".", "..": the parent of
/// <paramref name="Node"/>, the root's being itself).</param>
/// <param name="Name">The last component; empty when the path ended with "/", "." or "..".</param>
/// <param name="Node">What the last component is, or null when it does not exist.</param>
/// <param name="Path">The canonical guest path of the last component.</param>
/// <param name="Kind">Whether the path ended with a name, ".", ".." or "/".</param>
/// <param name="TrailingSlash">The path ended with a slash after a name.</param>
internal readonly record struct Resolution(FsNode Parent, string Name, FsNode? Node, string Path, LastKind Kind, bool TrailingSlash);
