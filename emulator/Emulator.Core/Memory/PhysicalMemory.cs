using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Emulator.Core.Memory;

/// <summary>
/// Emulated RAM: a sparse array of 4 KiB frames. Storage is allocated in 2 MiB chunks on first touch,
/// so a machine with gigabytes of RAM costs only what the guest uses.
/// </summary>
/// <remarks>
/// Addresses are physical (pa). Accesses outside RAM are values, not exceptions: the <c>Try</c>
/// methods return <c>false</c> and the caller raises the architected fault (a walk external abort for
/// the page walkers, an abort event for the SMMU). Aligned 8-byte accesses are single-copy atomic, as
/// page-table entries need: the CPU and the SMMU set Accessed/Dirty with compare-and-exchange while
/// the mm clears entries with exchange.
/// Thread-safe: chunks are published with a compare-and-exchange; data races on guest bytes are the
/// guest's business, as on hardware.
/// <para><b>MMIO.</b> Device register windows (<see cref="RegisterMmio"/>) live above RAM. The aligned
/// 4- and 8-byte accessors route an address inside a window to its <see cref="IMmioHandler"/>; RAM
/// stays the fast path (<c>pa &lt; RamSize</c> is tested first, windows only on the slow path). Bulk
/// copies and the atomic read-modify-write operations are RAM only.</para>
/// </remarks>
public sealed class PhysicalMemory
{
    /// <summary>Largest supported RAM. Frame metadata is a flat array (8 bytes per frame).</summary>
    public const ulong MaxRamSize = 64UL << 30;

    private const int ChunkShift = 21;
    private const ulong ChunkSize = 1UL << ChunkShift;
    private const ulong ChunkMask = ChunkSize - 1;

    private readonly byte[]?[] _chunks;

    /// <summary>Guards registration (<see cref="RegisterMmio"/>). Readers never take it: they read
    /// <see cref="_mmio"/>, an immutable array replaced (copy-on-write) under this lock.</summary>
    private readonly Lock _mmioLock = new();
    private MmioWindow[] _mmio = [];

    private readonly record struct MmioWindow(ulong Base, ulong Size, IMmioHandler Handler);

    /// <summary>Submission portals by frame number. Copy-on-write: read without a lock, replaced under
    /// <see cref="_mmioLock"/>.</summary>
    private Dictionary<ulong, IPortal> _portals = [];

    /// <summary>Creates RAM of <paramref name="ramSize"/> bytes starting at physical address 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Size is zero, not page aligned, or above <see cref="MaxRamSize"/>.</exception>
    public PhysicalMemory(ulong ramSize)
    {
        if (ramSize == 0 || !Page.IsAligned(ramSize) || ramSize > MaxRamSize)
        {
            throw new ArgumentOutOfRangeException(nameof(ramSize), ramSize,
                $"RAM size must be a non-zero multiple of 4 KiB no larger than {MaxRamSize >> 30} GiB");
        }
        RamSize = ramSize;
        _chunks = new byte[]?[(ramSize + ChunkMask) >> ChunkShift];
    }

    /// <summary>Bytes of RAM.</summary>
    public ulong RamSize { get; }

    /// <summary>Number of 4 KiB frames.</summary>
    public ulong FrameCount => RamSize >> Page.Shift;

    /// <summary>Bytes of host memory backing touched chunks.</summary>
    public ulong ResidentBytes
    {
        get
        {
            ulong n = 0;
            foreach (var c in _chunks)
            {
                if (c is not null)
                {
                    n += ChunkSize;
                }
            }
            return n;
        }
    }

    /// <summary>True when [pa, pa+size) lies within RAM.</summary>
    public bool Contains(ulong pa, ulong size) => pa < RamSize && size <= RamSize - pa;

    /// <summary>The 4 KiB of one frame, for whole-frame work (zeroing, copying, migration).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The frame is outside RAM (a bug in the caller).</exception>
    public Span<byte> Frame(ulong pfn)
    {
        if (pfn >= FrameCount)
        {
            throw new ArgumentOutOfRangeException(nameof(pfn), pfn, "frame outside RAM");
        }
        ulong pa = pfn << Page.Shift;
        return Chunk(pa).AsSpan((int)(pa & ChunkMask), Page.Size);
    }

    /// <summary>
    /// Maps a device's registers at [<paramref name="basePa"/>, <paramref name="basePa"/> + <paramref name="size"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The window is empty, wraps, overlaps RAM or another window
    /// (a machine configuration bug).</exception>
    public void RegisterMmio(ulong basePa, ulong size, IMmioHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (size == 0 || basePa + size < basePa)
        {
            throw new ArgumentException($"MMIO window [{basePa:x}, +{size:x}) is empty or wraps", nameof(size));
        }
        if (basePa < RamSize)
        {
            throw new ArgumentException($"MMIO window at {basePa:x} overlaps RAM (ends at {RamSize:x})", nameof(basePa));
        }
        lock (_mmioLock)
        {
            foreach (var w in _mmio)
            {
                if (basePa < w.Base + w.Size && w.Base < basePa + size)
                {
                    throw new ArgumentException($"MMIO window [{basePa:x}, +{size:x}) overlaps [{w.Base:x}, +{w.Size:x})", nameof(basePa));
                }
            }
            MmioWindow[] next = [.. _mmio, new MmioWindow(basePa, size, handler)];
            Volatile.Write(ref _mmio, next);
        }
    }

    /// <summary>Makes frame <paramref name="pfn"/> a device's submission portal: MOVDIR64B and ENQCMD
    /// stores to it go to <paramref name="portal"/> instead of RAM.</summary>
    public void RegisterPortal(ulong pfn, IPortal portal)
    {
        ArgumentNullException.ThrowIfNull(portal);
        using (_mmioLock.EnterScope())
        {
            Volatile.Write(ref _portals, new Dictionary<ulong, IPortal>(_portals) { [pfn] = portal });
        }
    }

    /// <summary>The frame is an ordinary frame again.</summary>
    public void UnregisterPortal(ulong pfn)
    {
        using (_mmioLock.EnterScope())
        {
            var next = new Dictionary<ulong, IPortal>(_portals);
            next.Remove(pfn);
            Volatile.Write(ref _portals, next);
        }
    }

    /// <summary>The portal at frame <paramref name="pfn"/>, or null for an ordinary frame.</summary>
    public IPortal? PortalAt(ulong pfn) => Volatile.Read(ref _portals).GetValueOrDefault(pfn);

    /// <summary>Reads an aligned 32-bit word from RAM or a register window; false when outside both or misaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadU32(ulong pa, out uint value)
    {
        if (pa >= RamSize || (pa & 3) != 0)
        {
            bool ok = TryReadMmio(pa, 4, out ulong wide);
            value = (uint)wide;
            return ok;
        }
        byte[]? chunk = Volatile.Read(ref _chunks[pa >> ChunkShift]);
        value = chunk is null ? 0 : Volatile.Read(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), (nint)(pa & ChunkMask))));
        return true;
    }

    /// <summary>Writes an aligned 32-bit word to RAM (atomically) or a register window; false when outside both or misaligned.</summary>
    public bool TryWriteU32(ulong pa, uint value)
    {
        if (pa >= RamSize || (pa & 3) != 0)
        {
            return TryWriteMmio(pa, 4, value);
        }
        byte[] chunk = Chunk(pa);
        Volatile.Write(ref Unsafe.As<byte, uint>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), (nint)(pa & ChunkMask))), value);
        return true;
    }

    /// <summary>Reads an aligned 64-bit word from RAM or a register window; false when outside both or misaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadU64(ulong pa, out ulong value)
    {
        if (pa >= RamSize || (pa & 7) != 0)
        {
            return TryReadMmio(pa, 8, out value);
        }
        byte[]? chunk = Volatile.Read(ref _chunks[pa >> ChunkShift]);
        // Never-written RAM reads as zero without costing host memory: a wild pointer followed by a
        // walker must not grow the host heap.
        value = chunk is null ? 0 : Volatile.Read(ref Unsafe.As<byte, ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), (nint)(pa & ChunkMask))));
        return true;
    }

    /// <summary>Writes an aligned 64-bit word to RAM (atomically) or a register window; false when outside both or misaligned.</summary>
    public bool TryWriteU64(ulong pa, ulong value)
    {
        if (pa >= RamSize || (pa & 7) != 0)
        {
            return TryWriteMmio(pa, 8, value);
        }
        Volatile.Write(ref Word(pa), value);
        return true;
    }

    /// <summary>Reads an aligned word that the caller knows is in RAM (page-table pages it allocated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReadU64(ulong pa)
    {
        if (!TryReadU64(pa, out ulong v))
        {
            throw new ArgumentOutOfRangeException(nameof(pa), pa, "aligned physical address in RAM required");
        }
        return v;
    }

    /// <summary>Writes an aligned word that the caller knows is in RAM.</summary>
    public void WriteU64(ulong pa, ulong value)
    {
        if (!TryWriteU64(pa, value))
        {
            throw new ArgumentOutOfRangeException(nameof(pa), pa, "aligned physical address in RAM required");
        }
    }

    /// <summary>Atomic compare-and-exchange of an aligned word in RAM; returns the previous value.</summary>
    public ulong CompareExchangeU64(ulong pa, ulong value, ulong comparand)
    {
        CheckWord(pa);
        return Interlocked.CompareExchange(ref Word(pa), value, comparand);
    }

    /// <summary>Atomic exchange of an aligned word in RAM; returns the previous value.</summary>
    public ulong ExchangeU64(ulong pa, ulong value)
    {
        CheckWord(pa);
        return Interlocked.Exchange(ref Word(pa), value);
    }

    /// <summary>Copies RAM into <paramref name="destination"/>; false (nothing copied) when outside RAM.</summary>
    public bool TryRead(ulong pa, Span<byte> destination)
    {
        if (!Contains(pa, (ulong)destination.Length))
        {
            return false;
        }
        while (!destination.IsEmpty)
        {
            int n = (int)Math.Min((ulong)destination.Length, ChunkSize - (pa & ChunkMask));
            byte[]? chunk = Volatile.Read(ref _chunks[pa >> ChunkShift]);
            if (chunk is null)
            {
                destination[..n].Clear();
            }
            else
            {
                chunk.AsSpan((int)(pa & ChunkMask), n).CopyTo(destination);
            }
            destination = destination[n..];
            pa += (ulong)n;
        }
        return true;
    }

    /// <summary>Copies <paramref name="source"/> into RAM; false (nothing written) when outside RAM.</summary>
    public bool TryWrite(ulong pa, ReadOnlySpan<byte> source)
    {
        if (!Contains(pa, (ulong)source.Length))
        {
            return false;
        }
        while (!source.IsEmpty)
        {
            int n = (int)Math.Min((ulong)source.Length, ChunkSize - (pa & ChunkMask));
            source[..n].CopyTo(Chunk(pa).AsSpan((int)(pa & ChunkMask), n));
            source = source[n..];
            pa += (ulong)n;
        }
        return true;
    }

    /// <summary>The slow path of the word accessors: a misaligned access, or one above RAM.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryReadMmio(ulong pa, int size, out ulong value)
    {
        if ((pa & (ulong)(size - 1)) == 0 && FindWindow(pa, size, out MmioWindow w))
        {
            return w.Handler.TryRead(pa - w.Base, size, out value);
        }
        value = 0;
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryWriteMmio(ulong pa, int size, ulong value) =>
        (pa & (ulong)(size - 1)) == 0 && FindWindow(pa, size, out MmioWindow w) && w.Handler.TryWrite(pa - w.Base, size, value);

    private bool FindWindow(ulong pa, int size, out MmioWindow window)
    {
        foreach (var w in Volatile.Read(ref _mmio))
        {
            if (pa >= w.Base && w.Size >= (ulong)size && pa - w.Base <= w.Size - (ulong)size)
            {
                window = w;
                return true;
            }
        }
        window = default;
        return false;
    }

    private void CheckWord(ulong pa)
    {
        if (pa >= RamSize || (pa & 7) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(pa), pa, "aligned physical address in RAM required");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref ulong Word(ulong pa)
    {
        byte[] chunk = Chunk(pa);
        return ref Unsafe.As<byte, ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), (nint)(pa & ChunkMask)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte[] Chunk(ulong pa)
    {
        byte[]? chunk = Volatile.Read(ref _chunks[pa >> ChunkShift]);
        return chunk ?? AllocateChunk(pa >> ChunkShift);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private byte[] AllocateChunk(ulong index)
    {
        var fresh = new byte[ChunkSize];
        return Interlocked.CompareExchange(ref _chunks[index], fresh, null) ?? fresh;
    }
}
