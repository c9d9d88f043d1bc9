namespace Emulator.Core.Kernel.Fs;

/// <summary>The bytes all in-memory files may hold (<see cref="FsOptions.MemoryFileLimit"/>): pages are
/// reserved before they are allocated, so a guest filling the overlay gets ENOSPC, not the host's OOM.</summary>
/// <remarks>Thread-safe (one counter updated with compare-and-swap).</remarks>
internal sealed class MemoryBudget(long limit)
{
    private long _used;

    public long Limit { get; } = limit;

    public long Used => Volatile.Read(ref _used);

    public bool TryReserve(long bytes)
    {
        long old, updated;
        do
        {
            old = Volatile.Read(ref _used);
            updated = old + bytes;
            if (updated > Limit || updated < old)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _used, updated, old) != old);
        return true;
    }

    public void Release(long bytes) => Interlocked.Add(ref _used, -bytes);
}
