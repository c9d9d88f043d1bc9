using Emulator.Core.Diagnostics;
using Emulator.Core.Pcie;

namespace Emulator.Core.Backends;

/// <summary>
/// The in-process ATC backend (<c>sim</c>, the default): ATS Invalidate Requests are delivered by SID to
/// <see cref="DmaDevice"/>s attached to it, synchronously on the thread that issued them.
/// </summary>
/// <remarks>
/// <para>Because delivery is synchronous, every invalidation issued before a <see cref="Sync"/> has already
/// completed at its device, and Sync answers <see cref="AtcSyncResult.Complete"/> at once — which keeps the
/// <see cref="IAtcBackend"/> ordering contract without waiting. Two test hooks break that on purpose, to
/// exercise CERROR_ATC_INV_SYNC and the driver paths that must not trust an unfinished invalidation:
/// <see cref="DelayCompletions"/> (requests are held, undelivered, until <see cref="DeliverDelayed"/>; a
/// Sync while any is held times out) and <see cref="NeverComplete"/> (requests are delivered but never
/// acknowledged: every Sync times out). Neither hook sleeps: a Sync that would time out returns
/// <see cref="AtcSyncResult.Timeout"/> immediately, whatever the timeout.</para>
/// <para>A request for a SID with no attached device is counted in <see cref="UnroutedInvalidations"/> and
/// dropped, as a real fabric would answer it UR; it does not hold up Sync (the SMMU would see the UR as
/// a completion of sorts, and Linux only sends ATC_INV to masters it enabled ATS on, so this only happens
/// in misconfigured scenarios, logged as a guest error).</para>
/// <para>Thread-safe: attach, detach, invalidate and sync from any thread. No backend lock is held while a
/// device is called.</para>
/// </remarks>
public sealed class SimAtcBackend : IAtcBackend
{
    /// <summary>Guards <see cref="_delayed"/> and the replacement of <see cref="_devices"/>. Leaf lock: no
    /// device is called while it is held.</summary>
    private readonly Lock _lock = new();

    /// <summary>The attached devices, copy-on-write: replaced whole under <see cref="_lock"/> (attach and
    /// detach are rare) and read without it, so delivering an invalidation takes no lock.</summary>
    private Dictionary<uint, DmaDevice> _devices = [];

    private readonly List<AtcInvalidation> _delayed = [];

    /// <summary><see cref="_delayed"/>'s count, written under <see cref="_lock"/>, read without it by <see cref="Sync"/>.</summary>
    private volatile int _delayedCount;

    private long _invalidations;
    private long _unrouted;
    private long _syncs;
    private long _syncTimeouts;

    /// <inheritdoc/>
    public string Name => "sim";

    /// <summary>Test hook: hold requests instead of delivering them, until <see cref="DeliverDelayed"/>;
    /// <see cref="Sync"/> times out while any is held.</summary>
    public bool DelayCompletions { get; set; }

    /// <summary>Test hook: deliver requests, but never report them complete — every <see cref="Sync"/>
    /// times out.</summary>
    public bool NeverComplete { get; set; }

    /// <summary>ATS Invalidate Requests issued (delivered, held or unrouted).</summary>
    public long Invalidations => Interlocked.Read(ref _invalidations);

    /// <summary>Requests for a SID with no attached device (dropped).</summary>
    public long UnroutedInvalidations => Interlocked.Read(ref _unrouted);

    /// <summary>Sync calls.</summary>
    public long Syncs => Interlocked.Read(ref _syncs);

    /// <summary>Sync calls that answered <see cref="AtcSyncResult.Timeout"/>.</summary>
    public long SyncTimeouts => Interlocked.Read(ref _syncTimeouts);

    /// <summary>Requests held by <see cref="DelayCompletions"/> and not yet delivered.</summary>
    public int DelayedCount
    {
        get
        {
            lock (_lock)
            {
                return _delayed.Count;
            }
        }
    }

    /// <summary>Connects <paramref name="device"/> at its <see cref="DmaDevice.Sid"/>.</summary>
    /// <exception cref="InvalidOperationException">Another device is attached at that SID (a machine
    /// configuration bug).</exception>
    public void Attach(DmaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        lock (_lock)
        {
            if (_devices.TryGetValue(device.Sid, out var attached))
            {
                if (!ReferenceEquals(attached, device))
                {
                    throw new InvalidOperationException($"sid {device.Sid:x} already has a device attached");
                }
                return;
            }
            Volatile.Write(ref _devices, new Dictionary<uint, DmaDevice>(_devices) { [device.Sid] = device });
        }
    }

    /// <summary>Disconnects the device at <paramref name="sid"/>; false when none was attached.</summary>
    public bool Detach(uint sid)
    {
        lock (_lock)
        {
            var next = new Dictionary<uint, DmaDevice>(_devices);
            if (!next.Remove(sid))
            {
                return false;
            }
            Volatile.Write(ref _devices, next);
            return true;
        }
    }

    /// <summary>The SIDs with a device attached, ascending.</summary>
    public uint[] AttachedSids()
    {
        var sids = Volatile.Read(ref _devices).Keys.ToArray();
        Array.Sort(sids);
        return sids;
    }

    /// <summary>The device attached at <paramref name="sid"/>, if any.</summary>
    public bool TryGetDevice(uint sid, out DmaDevice? device)
    {
        return Volatile.Read(ref _devices).TryGetValue(sid, out device);
    }

    /// <inheritdoc/>
    public void Invalidate(in AtcInvalidation request)
    {
        Interlocked.Increment(ref _invalidations);
        if (DelayCompletions)
        {
            lock (_lock)
            {
                _delayed.Add(request);
                _delayedCount = _delayed.Count;
            }
            return;
        }
        Volatile.Read(ref _devices).TryGetValue(request.Sid, out var device);
        Deliver(request, device);
    }

    /// <summary>Delivers every request held by <see cref="DelayCompletions"/>, in issue order.</summary>
    /// <returns>Requests delivered.</returns>
    public int DeliverDelayed()
    {
        AtcInvalidation[] held;
        lock (_lock)
        {
            held = [.. _delayed];
            _delayed.Clear();
            _delayedCount = 0;
        }
        foreach (AtcInvalidation request in held)
        {
            Volatile.Read(ref _devices).TryGetValue(request.Sid, out var device);
            Deliver(request, device);
        }
        return held.Length;
    }

    /// <inheritdoc/>
    /// <remarks>Never blocks; see the class remarks for when it times out.</remarks>
    public AtcSyncResult Sync(TimeSpan timeout)
    {
        Interlocked.Increment(ref _syncs);
        if (NeverComplete || _delayedCount > 0)
        {
            Interlocked.Increment(ref _syncTimeouts);
            return AtcSyncResult.Timeout;
        }
        return AtcSyncResult.Complete;
    }

    /// <inheritdoc/>
    public bool TryDump(uint sid, List<AtcEntry> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        Volatile.Read(ref _devices).TryGetValue(sid, out var device);
        if (device is null)
        {
            return false;
        }
        device.Atc.Dump(into);
        return true;
    }

    private void Deliver(in AtcInvalidation request, DmaDevice? device)
    {
        if (device is null)
        {
            Interlocked.Increment(ref _unrouted);
            Log.GuestError.Debug("sim: {0} for a sid with no device; dropped (UR)", request);
            return;
        }
        device.InvalidateAtc(request);
    }
}
