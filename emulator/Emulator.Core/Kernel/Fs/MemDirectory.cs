namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// An in-memory directory of the overlay's upper layer: names → nodes, where a null node is a
/// whiteout (the name is deleted, hiding the lower layer's file). An opaque directory hides the lower
/// directory of the same name entirely (it was removed and made again).
/// </summary>
/// <remarks>Only <see cref="OverlayDir"/> touches the entries, under the namespace lock.</remarks>
internal sealed class MemDirectory : MemNode
{
    public MemDirectory(MemoryFs fs, uint mode, uint uid, uint gid, long nowNs)
        : base(fs, FsAbi.SIfdir | (mode & 0xfff), uid, gid, nowNs) => AddLink(2, nowNs);

    /// <summary>Name → node; null marks a whiteout.</summary>
    public Dictionary<string, MemNode?> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Hides the lower directory of the same name.</summary>
    public bool Opaque { get; set; }

    /// <summary>A content change of the directory (an entry added or removed).</summary>
    public void Touch(long nowNs)
    {
        using (Sync.EnterScope())
        {
            TouchLocked(nowNs);
        }
    }

    protected override void FillSizeLocked(ref FileStat stat)
    {
        stat.Size = 4096;
        stat.Blocks = 8;
    }

    public override Errno Open(IFileSyscallContext ctx, int flags, string path, ulong parentIno, out FileDescription? file)
    {
        // Directories are opened through their OverlayDir (which merges the lower layer).
        file = null;
        return Errno.EISDIR;
    }
}
