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
/// </remarks>
public sealed class PhysicalMemory
{
    /// <summary>Largest supported RAM. Frame metadata is a flat array (8 bytes per frame).</summary>
    public const ulong MaxRamSize = 64UL << 30;

    private const int ChunkShift = 21;
    private const ulong ChunkSize = 1UL << ChunkShift;
    private const ulong ChunkMask = ChunkSize - 1;

    private readonly byte[]?[] _chunks;

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

    /// <summary>Reads an aligned 64-bit word; false when outside RAM or misaligned.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryReadU64(ulong pa, out ulong value)
    {
        if (pa >= RamSize || (pa & 7) != 0)
        {
            value = 0;
            return false;
        }
        byte[]? chunk = Volatile.Read(ref _chunks[pa >> ChunkShift]);
        // Never-written RAM reads as zero without costing host memory: a wild pointer followed by a
        // walker must not grow the host heap.
        value = chunk is null ? 0 : Volatile.Read(ref Unsafe.As<byte, ulong>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(chunk), (nint)(pa & ChunkMask))));
        return true;
    }

    /// <summary>Writes an aligned 64-bit word atomically; false when outside RAM or misaligned.</summary>
    public bool TryWriteU64(ulong pa, ulong value)
    {
        if (pa >= RamSize || (pa & 7) != 0)
        {
            return false;
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
