namespace Emulator.Core.Mm;

/// <summary>
/// A virtual memory area: [Start, End) with one protection and one backing (Linux
/// <c>struct vm_area_struct</c>). Mutable; owned by its <see cref="AddressSpace"/> and changed only
/// with its mmap lock held.
/// </summary>
public sealed class Vma
{
    internal Vma(ulong start, ulong end, Protection prot, SharedMemoryObject? shared, ulong pgoff)
    {
        Start = start;
        End = end;
        Prot = prot;
        Shared = shared;
        PgOff = pgoff;
    }

    public ulong Start { get; internal set; }
    /// <summary>Exclusive end.</summary>
    public ulong End { get; internal set; }
    public Protection Prot { get; internal set; }
    /// <summary>The shared anonymous object behind a MAP_SHARED mapping, null for private memory.</summary>
    public SharedMemoryObject? Shared { get; internal set; }
    /// <summary>Page offset of <see cref="Start"/> in <see cref="Shared"/>.</summary>
    public ulong PgOff { get; internal set; }

    public bool IsShared => Shared is not null;
    public ulong Size => End - Start;

    /// <summary>Page offset in the shared object of the page containing <paramref name="va"/>.</summary>
    internal ulong PageOffsetOf(ulong va) => PgOff + ((va - Start) >> Memory.Page.Shift);

    internal Vma CloneRange(ulong start, ulong end) =>
        new(start, end, Prot, Shared, Shared is null ? 0 : PageOffsetOf(start));

    public override string ToString() =>
        $"{Start:x12}-{End:x12} {((Prot & Protection.Read) != 0 ? 'r' : '-')}{((Prot & Protection.Write) != 0 ? 'w' : '-')}{((Prot & Protection.Exec) != 0 ? 'x' : '-')}{(IsShared ? 's' : 'p')}";
}
