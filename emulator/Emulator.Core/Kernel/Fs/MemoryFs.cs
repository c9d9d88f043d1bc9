namespace Emulator.Core.Kernel.Fs;

/// <summary>The in-memory file system (a tmpfs): the overlay's upper layer and memfd files. Hands out
/// inode numbers and holds the byte budget.</summary>
internal sealed class MemoryFs
{
    private long _nextIno = 1;

    public MemoryFs(uint devMinor, long limit)
    {
        DevMinor = devMinor;
        Budget = new MemoryBudget(limit);
    }

    /// <summary>st_dev is (0, DevMinor), an anonymous device as tmpfs has.</summary>
    public uint DevMinor { get; }

    public MemoryBudget Budget { get; }

    public ulong NextIno() => (ulong)Interlocked.Increment(ref _nextIno);

    public StatFs StatFs()
    {
        var st = Fs.StatFs.Synthetic(FsAbi.TmpfsMagic);
        st.Blocks = Budget.Limit / 4096;
        st.BlocksFree = st.BlocksAvailable = (Budget.Limit - Budget.Used) / 4096;
        st.Files = st.FilesFree = 1 << 20;
        st.FsId = DevMinor;
        return st;
    }
}
