namespace Emulator.Core.Trace.Strace;

/// <summary>One trace <c>process</c>: an address space the log's tasks share (threads and vfork
/// children use their parent's), with the importer's model of it.</summary>
internal sealed class ProcessModel(string name)
{
    public string Name { get; } = name;

    /// <summary>The <c>process</c> (or <c>fork</c>) statement has been written. A process is declared
    /// on its first memory call, so an execve'd image that does nothing leaves no trace.</summary>
    public bool Declared;

    /// <summary>Live tasks using this address space; the process exits when the last one goes.</summary>
    public int Tasks;

    /// <summary>The <c>exit</c> statement has been written.</summary>
    public bool Exited;

    public RegionMap Regions = new();

    /// <summary>The break is known (from a <c>brk(NULL)</c> or the parent at fork).</summary>
    public bool HeapKnown;

    /// <summary>The current break as the log printed it (not rounded); the heap is [.., AlignUp(Break)).</summary>
    public ulong Break;

    /// <summary>Pages DMA probes touched, by address. A private page that is mapped and not here
    /// reads as zeros.</summary>
    public Dictionary<ulong, ProbedPage> Contents = [];

    /// <summary>A fork child: a copy of everything but the name. Copy-on-write keeps the contents.</summary>
    public ProcessModel Fork(string childName)
    {
        return new ProcessModel(childName)
        {
            Declared = true,
            Regions = Regions.Clone(),
            HeapKnown = HeapKnown,
            Break = Break,
            Contents = new Dictionary<ulong, ProbedPage>(Contents),
        };
    }
}
