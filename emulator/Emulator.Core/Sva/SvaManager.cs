using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Notifiers;
using Emulator.Core.Pcie;
using Emulator.Core.Threading;

namespace Emulator.Core.Sva;

/// <summary>
/// Shared Virtual Addressing (Linux iommu-sva): binds devices to process address spaces through a
/// PASID and turns the mm's page-table changes into IOTLB and ATC invalidations.
/// </summary>
/// <remarks>
/// <para><b>Life cycle</b> (linux-threads 004). <see cref="Bind"/> gets the mm's
/// <see cref="SvaContext"/> with <c>mmu_notifier_get(ops, mm, priv)</c> — one per mm, shared by
/// every bound device, each bond holding one notifier reference — and installs the PASID entry.
/// <see cref="Unbind"/> drops a reference; the last one removes the entry and puts the notifier,
/// whose deferred free returns the PASID and ASID to their allocators: only then, after a grace
/// period, can nothing use them.</para>
/// <para><b>mm exit before unbind.</b> The notifier's Release runs (without the mmap lock) for each
/// bond: marks it active, calls the device driver's <see cref="ISvaDeviceDriver.MmExit"/> — which may
/// block — installs a quiet (translation-blocking) PASID entry, invalidates IOTLB and ATC, and marks
/// it exited. An <see cref="Unbind"/> that arrives meanwhile waits for the handler to finish;
/// neither path frees what the other still uses.</para>
/// <para><b>Locks</b>: <see cref="_lock"/> (<see cref="LockRank.DriverConfig"/>) is taken before the
/// mmap lock (Bind calls Get). The invalidation callback runs under the mmap lock, so it reads the
/// context's copy-on-write bond list and never takes <see cref="_lock"/>.</para>
/// </remarks>
public sealed class SvaManager
{
    private readonly SmmuDriver _iommu;
    private readonly PasidAllocator _pasids;
    private readonly Ops _ops;

    /// <summary>Guards the bond fields (Refs, MmExitActive, MmExited, Removed), context bond lists
    /// (writers), <see cref="_contexts"/> and <see cref="_byPasid"/>; the condition Unbind waits on.</summary>
    private readonly OrderedLock _lock = new(LockRank.DriverConfig, "iommu_sva_lock");
    private readonly Dictionary<AddressSpace, SvaContext> _contexts = [];
    private readonly Dictionary<uint, SvaContext> _byPasid = [];

    public SvaManager(SmmuDriver iommu, PasidAllocator pasids)
    {
        _iommu = iommu;
        _pasids = pasids;
        _ops = new Ops(this);
        iommu.PageRequestHandler = HandlePageRequest;
    }

    /// <summary>
    /// Called at the end of every invalidation of a bound mm — the change and its IOTLB/ATC
    /// invalidation are complete — with the context and the range [start, end) that changed (for the
    /// coherence oracle's post-operation check). Runs with the mmap lock held.
    /// </summary>
    public Action<SvaContext, ulong, ulong>? AfterInvalidate { get; set; }

    /// <summary>Number of address spaces with an SVA context.</summary>
    public int Contexts
    {
        get
        {
            using (_lock.Enter())
            {
                return _contexts.Count;
            }
        }
    }

    /// <summary>
    /// Binds <paramref name="device"/> to <paramref name="mm"/>: the device may then DMA to the mm's
    /// addresses tagged with the returned bond's PASID. Binding a bound pair again returns the same bond.
    /// </summary>
    /// <returns>ESRCH (the mm exited), ENOSPC (no PASID or ASID left), EINVAL (the mm's PASID is wider
    /// than the device supports), or the driver's error installing the PASID entry.</returns>
    public Errno Bind(SvaDevice device, AddressSpace mm, out SvaBond? bond)
    {
        bond = null;
        using (_lock.Enter())
        {
            if (_contexts.TryGetValue(mm, out var existing))
            {
                foreach (var b in existing.Bonds)
                {
                    if (b.Device == device && !b.Removed)
                    {
                        b.Refs++;
                        bond = b;
                        return Errno.Ok;
                    }
                }
                if (existing.Exited)
                {
                    return Errno.ESRCH;
                }
                if (existing.Pasid > device.MaxPasid)
                {
                    return Errno.EINVAL;
                }
            }

            // Allocate what a new context needs before Get, so AllocNotifier builds it complete.
            // If the context exists, Get returns it and the spares go back.
            uint pasid = 0;
            ushort asid = 0;
            bool fresh = existing is null;
            if (fresh)
            {
                var err = _pasids.Allocate(1, device.MaxPasid, out pasid);
                if (err != Errno.Ok)
                {
                    return err;
                }
                err = _iommu.AllocateAsid(out asid);
                if (err != Errno.Ok)
                {
                    _pasids.Free(pasid);
                    return err;
                }
            }
            var getErr = MmuNotifierSubscriptions.Get(_ops, mm, new ContextInit(pasid, asid), out var sub);
            if (getErr != Errno.Ok)
            {
                if (fresh)
                {
                    _iommu.FreeAsid(asid);
                    _pasids.Free(pasid);
                }
                return getErr;
            }
            var context = (SvaContext)sub!;
            if (fresh && context.Pasid != pasid)
            {
                // An Unbind dropped the last bond from our map but had not yet put the notifier:
                // Get handed back that live context, so the spare IDs go back.
                _iommu.FreeAsid(asid);
                _pasids.Free(pasid);
            }
            var setErr = _iommu.SetPasid(device.Sid, context.Pasid, context.Asid, mm.RootPa, mm.Mode);
            if (setErr != Errno.Ok)
            {
                MmuNotifierSubscriptions.Put(context); // frees the fresh context's IDs after a grace period
                return setErr;
            }
            _contexts[mm] = context;
            _byPasid[context.Pasid] = context;
            bond = new SvaBond(device, context);
            context.Publish([.. context.Bonds, bond]);
            return Errno.Ok;
        }
    }

    /// <summary>
    /// Drops a bind reference. The last one stops translation for the device's PASID (removing the
    /// entry and invalidating IOTLB and ATC) and releases the mm. If the mm is exiting and its
    /// handler is running for this bond, waits for the handler first.
    /// </summary>
    public void Unbind(SvaBond bond)
    {
        SvaContext context = bond.Context;
        bool clearEntry;
        using (_lock.Enter())
        {
            if (bond.Removed)
            {
                throw new InvalidOperationException($"{bond} unbound more often than bound");
            }
            if (--bond.Refs > 0)
            {
                return;
            }
            while (bond.MmExitActive)
            {
                _lock.Wait();
            }
            bond.Removed = true;
            clearEntry = !bond.MmExited;
            var rest = Array.FindAll(context.Bonds, b => b != bond);
            context.Publish(rest);
            if (rest.Length == 0)
            {
                _contexts.Remove(context.Mm);
                _byPasid.Remove(context.Pasid);
            }
            if (clearEntry)
            {
                _iommu.ClearPasid(bond.Device.Sid, context.Pasid, quiet: false);
                _iommu.InvalidateAll(context.Asid, [(bond.Device.Sid, context.Pasid)]);
            }
        }
        MmuNotifierSubscriptions.Put(context);
    }

    /// <summary>The mm-exit path (the notifier's Release): see the class remarks.</summary>
    private void ReleaseContext(SvaContext context)
    {
        while (true)
        {
            SvaBond? next = null;
            using (_lock.Enter())
            {
                context.Exited = true;
                foreach (var b in context.Bonds)
                {
                    if (!b.Removed && !b.MmExited && !b.MmExitActive)
                    {
                        next = b;
                        b.MmExitActive = true;
                        break;
                    }
                }
            }
            if (next is null)
            {
                return;
            }
            try
            {
                next.Device.Driver?.MmExit(next); // may block: no lock held
                _iommu.ClearPasid(next.Device.Sid, context.Pasid, quiet: true);
                _iommu.InvalidateAll(context.Asid, [(next.Device.Sid, context.Pasid)]);
            }
            finally
            {
                using (_lock.Enter())
                {
                    next.MmExitActive = false;
                    next.MmExited = true;
                    _lock.PulseAll();
                }
            }
        }
    }

    /// <summary>A device page request (PRI): fault the page into the bound mm (a write breaks COW).</summary>
    private PriResult HandlePageRequest(uint sid, uint pasid, ulong va, bool write, bool exec)
    {
        SvaContext? context;
        using (_lock.Enter())
        {
            _byPasid.TryGetValue(pasid, out context);
        }
        if (context is null || context.Exited)
        {
            return PriResult.InvalidRequest;
        }
        return context.Mm.HandleFault(va, write, exec) switch
        {
            FaultResult.Resolved => PriResult.Success,
            FaultResult.OutOfMemory => PriResult.ResponseFailure,
            _ => PriResult.InvalidRequest,
        };
    }

    private readonly record struct ContextInit(uint Pasid, ushort Asid);

    /// <summary>The SVA notifier (Linux <c>iommu_mmu_notifier</c> / arm_smmu_mmu_notifier_ops).</summary>
    private sealed class Ops(SvaManager manager) : MmuNotifierOps
    {
        public override MmuNotifier? AllocNotifier(IMmuNotifierMm mm, object? priv)
        {
            var init = (ContextInit)priv!;
            return new SvaContext(this, manager, (AddressSpace)mm, init.Pasid, init.Asid);
        }

        public override void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end)
        {
            var context = (SvaContext)subscription;
            var targets = Volatile.Read(ref context.Targets);
            if (targets.Length > 0)
            {
                manager._iommu.InvalidateRange(context.Asid, targets, start, end);
            }
        }

        public override void InvalidateRangeEnd(MmuNotifier subscription, in MmuNotifierRange range) =>
            manager.AfterInvalidate?.Invoke((SvaContext)subscription, range.Start, range.End);

        public override void Release(MmuNotifier subscription, IMmuNotifierMm mm) =>
            manager.ReleaseContext((SvaContext)subscription);

        public override void FreeNotifier(MmuNotifier subscription)
        {
            var context = (SvaContext)subscription;
            manager._iommu.FreeAsid(context.Asid);
            manager._pasids.Free(context.Pasid);
        }
    }
}
