using Emulator.Core.Mm;
using Emulator.Core.Notifiers;

namespace Emulator.Core.Sva;

/// <summary>
/// The SVA state of one mm (Linux <c>io_mm</c>, later <c>iommu_mm_data</c>): its PASID, its ASID and
/// the bonds of every device bound to it. It is the mm's MMU-notifier subscription, created by
/// <c>AllocNotifier</c> with every field set, so an invalidation that starts the instant it is
/// published sees it whole (linux-threads 000).
/// </summary>
/// <remarks>
/// <see cref="Bonds"/> is copy-on-write: the invalidation path (which runs with the mmap lock held
/// and so may not take the SVA lock, ranked before it) reads a snapshot without locking; writers
/// replace the array under the SVA manager's lock.
/// </remarks>
public sealed class SvaContext : MmuNotifier
{
    internal SvaContext(MmuNotifierOps ops, SvaManager manager, AddressSpace mm, uint pasid, ushort asid)
        : base(ops)
    {
        Manager = manager;
        Mm = mm;
        Pasid = pasid;
        Asid = asid;
    }

    internal SvaManager Manager { get; }

    /// <summary>The StreamIDs of the devices bound now (a snapshot).</summary>
    public uint[] BoundSids()
    {
        var bonds = Volatile.Read(ref Bonds);
        var sids = new uint[bonds.Length];
        for (int i = 0; i < bonds.Length; i++)
        {
            sids[i] = bonds[i].Device.Sid;
        }
        return sids;
    }
    public new AddressSpace Mm { get; }
    public uint Pasid { get; }
    public ushort Asid { get; }

    /// <summary>The bonds, published with release semantics. Replaced under the SVA manager's lock.</summary>
    internal SvaBond[] Bonds = [];

    /// <summary>The (sid, pasid) pairs to invalidate, derived with <see cref="Bonds"/>.</summary>
    internal (uint Sid, uint Pasid)[] Targets = [];

    /// <summary>Release (mm exit) has run: the PASID entries are quiet.</summary>
    internal bool Exited;

    internal void Publish(SvaBond[] bonds)
    {
        var targets = new (uint, uint)[bonds.Length];
        for (int i = 0; i < bonds.Length; i++)
        {
            targets[i] = (bonds[i].Device.Sid, Pasid);
        }
        Volatile.Write(ref Targets, targets);
        Volatile.Write(ref Bonds, bonds);
    }
}
