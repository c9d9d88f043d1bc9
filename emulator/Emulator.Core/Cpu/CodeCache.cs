using System.Collections.Concurrent;
using Emulator.Core.Cpu.Translate;
using Emulator.Core.Memory;

namespace Emulator.Core.Cpu;

/// <summary>
/// Decoded instructions per physical code page, validated by the frame's generation (a freed and
/// reused frame never returns stale code) and dropped when the page is written. One per
/// <see cref="Cpu"/> by default; vCPUs stepped on one host thread (the guest kernel's) share one, so a
/// store by any of them drops the page for all of them.
/// </summary>
/// <remarks>Not thread-safe: every <see cref="Cpu"/> using a cache, and every call below, must run on
/// one thread (or while the vCPUs are stopped).</remarks>
public sealed class CodeCache
{
    /// <summary>Code pages cached before the cache is emptied (bounds host memory: ~10 KiB a page).</summary>
    private const int MaxPages = 4096;

    private readonly Dictionary<ulong, CodePage> _pages = [];
    private readonly ulong _ramSize;

    /// <summary>A cache for the frames of <paramref name="memory"/>.</summary>
    public CodeCache(PhysicalMemory memory)
    {
        ArgumentNullException.ThrowIfNull(memory);
        _ramSize = memory.RamSize;
        Bits = new ulong[(memory.FrameCount + 63) / 64];
    }

    /// <summary>Whether cached instructions get tier 0's fast pre-decoded operations
    /// (<see cref="DecodedOp"/>); without, every operation is <see cref="Tier0Op.Generic"/> and runs
    /// through the reference handlers. Off only for the test that compares the two.</summary>
    internal bool PreDecode { get; init; } = true;

    /// <summary>One bit per frame of RAM: set while a page of the frame is cached. Stores test it, so
    /// only a store to a code page pays for invalidation.</summary>
    internal ulong[] Bits { get; }

    /// <summary>Physical pages with cached decoded instructions.</summary>
    public int Count => _pages.Count;

    /// <summary>Regions the translator compiled (including entries it found nothing to translate at).</summary>
    public long RegionsTranslated { get; private set; }

    /// <summary>Guest instructions in the compiled regions.</summary>
    public long InstructionsTranslated { get; private set; }

    /// <summary>Host time spent translating (decode, analysis, IL emission and the .NET JIT).</summary>
    public TimeSpan TranslationTime => TimeSpan.FromSeconds((double)_translateTicks / System.Diagnostics.Stopwatch.Frequency);

    private long _translateTicks;

    /// <summary>Regions the background worker finished, waiting for a vCPU of this cache to
    /// install them (on its thread: pages are not thread-safe).</summary>
    private readonly ConcurrentQueue<TranslationJob> _completed = new();

    /// <summary>Jobs submitted and not yet completed by the worker; guarded by <see cref="_completed"/>'s
    /// monitor for <see cref="WaitForTranslations"/>.</summary>
    private int _inFlight;

    /// <summary>True when a finished region waits for <see cref="InstallCompleted"/> (one volatile
    /// read: the dispatcher checks it at every block head).</summary>
    internal bool HasCompleted => !_completed.IsEmpty;

    /// <summary>Sends a decoded region to the background worker.</summary>
    internal void Submit(TranslationJob job)
    {
        Interlocked.Increment(ref _inFlight);
        TranslationWorker.Enqueue(job);
    }

    /// <summary>The worker's hand-over (on the worker's thread).</summary>
    internal void Complete(TranslationJob job)
    {
        _completed.Enqueue(job);
        lock (_completed)
        {
            _inFlight--;
            Monitor.PulseAll(_completed);
        }
    }

    /// <summary>Installs the regions the worker finished into their pages' slots, unless the page
    /// was dropped meanwhile (then the region, compiled from bytes that may have changed, is never
    /// entered). On the thread of this cache's vCPUs.</summary>
    internal void InstallCompleted()
    {
        while (_completed.TryDequeue(out TranslationJob? job))
        {
            if (job.Region is null)
            {
                // Not compiled (the page died, or the translator failed): the entry keeps its
                // Pending slot and stays interpreted; the heads it covered may become regions.
                job.Page.MarkCovered(job.Decoded, covered: false);
                continue;
            }
            NoteTranslation(job.Region.GuestInstructions, job.Ticks);
            TranslatedRegion?[]? slots = job.Page.Regions;
            if (!job.Page.Dead && slots is not null && job.Index < slots.Length && ReferenceEquals(slots[job.Index], TranslatedRegion.Pending))
            {
                slots[job.Index] = job.Region;
                job.Page.InstallEntries(job.Region);
            }
        }
    }

    /// <summary>Blocks until the worker has finished every region submitted so far (they are
    /// installed at the next block head). For tests that need translated code to be there.</summary>
    internal void WaitForTranslations()
    {
        lock (_completed)
        {
            while (_inFlight > 0)
            {
                Monitor.Wait(_completed);
            }
        }
    }

    internal void NoteTranslation(int instructions, long ticks)
    {
        RegionsTranslated++;
        InstructionsTranslated += instructions;
        _translateTicks += ticks;
    }

    /// <summary>Drops every page in [<paramref name="pa"/>, <paramref name="pa"/> + <paramref name="length"/>):
    /// after guest memory was written other than by a CPU store (the kernel writing into a live frame,
    /// a device DMA-writing to it).</summary>
    public void Invalidate(ulong pa, ulong length)
    {
        if (length == 0 || pa >= _ramSize)
        {
            return;
        }
        ulong lastPfn = (Math.Min(pa + length, _ramSize) - 1) >> Page.Shift;
        for (ulong pfn = pa >> Page.Shift; pfn <= lastPfn; pfn++)
        {
            if ((Bits[pfn >> 6] & (1UL << (int)pfn)) != 0)
            {
                Drop(pfn);
            }
        }
    }

    /// <summary>Drops every page (when the writer cannot say which frames it wrote).</summary>
    public void InvalidateAll()
    {
        foreach (var p in _pages.Values)
        {
            p.Dead = true;
        }
        _pages.Clear();
        Array.Clear(Bits);
    }

    internal void Drop(ulong pfn)
    {
        if (_pages.Remove(pfn, out CodePage? page))
        {
            page.Dead = true;
        }
        Bits[pfn >> 6] &= ~(1UL << (int)pfn);
    }

    /// <summary>The cached page of frame <paramref name="pfn"/> decoded at <paramref name="vaPage"/>
    /// with the frame's current generation; a new empty one otherwise.</summary>
    internal CodePage Lookup(FrameAllocator frames, ulong pfn, ulong vaPage)
    {
        uint generation = frames.Generation(pfn);
        if (_pages.TryGetValue(pfn, out CodePage? page))
        {
            if (page.Generation == generation && page.VaPage == vaPage)
            {
                return page;
            }
            Drop(pfn);
        }
        if (_pages.Count >= MaxPages)
        {
            InvalidateAll();
        }
        page = new CodePage(pfn, generation, vaPage, PreDecode);
        _pages[pfn] = page;
        Bits[pfn >> 6] |= 1UL << (int)pfn;
        return page;
    }
}
