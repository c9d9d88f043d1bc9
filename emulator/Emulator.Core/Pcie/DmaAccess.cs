namespace Emulator.Core.Pcie;

/// <summary>
/// A page access a device engine has translated and not yet performed: a DMA in flight. It holds the
/// translation it was issued with (the physical address, the frame's generation for the oracle, the span
/// of the ATC entry or untranslated page it came from) until <see cref="DmaDevice.Complete"/> moves the
/// bytes. Made by <see cref="DmaDevice.BeginAccess"/>.
/// </summary>
public sealed class DmaAccess
{
    internal DmaAccess(uint pasid, ulong va, ulong pa, ulong framePa, uint generation, bool write, ulong spanStart, int spanLog2, IDmaDrain owner)
    {
        Pasid = pasid;
        Va = va;
        Pa = pa;
        FramePa = framePa;
        Generation = generation;
        Write = write;
        SpanStart = spanStart;
        SpanLog2 = spanLog2;
        Owner = owner;
    }

    public uint Pasid { get; }

    /// <summary>The untranslated address.</summary>
    public ulong Va { get; }

    /// <summary>The translated address.</summary>
    public ulong Pa { get; }

    internal ulong FramePa { get; }

    internal uint Generation { get; }

    public bool Write { get; }

    /// <summary>The translation's span: the ATC entry's base and size (2^SpanLog2 bytes).</summary>
    internal ulong SpanStart { get; }

    internal int SpanLog2 { get; }

    internal IDmaDrain Owner { get; }

    /// <summary>True once the bytes moved (by the engine, or drained by an invalidation).</summary>
    public bool Completed { get; internal set; }

    /// <summary>True when an invalidation completed this access early (it drained).</summary>
    public bool Drained { get; internal set; }

    /// <summary>An invalidation covering this access was answered while it was still in flight (only
    /// under <c>complete-before-drain</c>): completing it afterwards is a use of a dead translation.</summary>
    public bool OutlivedInvalidation { get; internal set; }

    /// <summary>What <see cref="DmaDevice.Complete"/> found: the access went to RAM (false: outside RAM, an abort).</summary>
    public bool Ok { get; internal set; }

    public override string ToString() =>
        $"{(Write ? "write" : "read")} pasid {Pasid:x} va {Va:x} -> pa {Pa:x}{(Completed ? Drained ? " (drained)" : " (done)" : " (in flight)")}";
}
