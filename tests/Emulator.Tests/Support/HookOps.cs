using Emulator.Core;
using Emulator.Core.Notifiers;

namespace Emulator.Tests.Support;

/// <summary>Notifier ops whose callbacks record what they saw and can run test hooks.</summary>
internal class HookOps : MmuNotifierOps
{
    private readonly object _lock = new();
    public readonly List<string> Log = [];
    public int Releases;
    public int Frees;
    public int UseAfterFree;

    public Action<MmuNotifier>? OnRelease;
    public Func<MmuNotifier, MmuNotifierRange, Errno>? OnStart;
    public Action<MmuNotifier, MmuNotifierRange>? OnEnd;
    public Action<MmuNotifier, ulong, ulong>? OnSecondary;
    public Func<IMmuNotifierMm, object?, MmuNotifier?>? OnAlloc;

    private void Record(MmuNotifier sub, string what)
    {
        if (sub.IsFreed)
        {
            Interlocked.Increment(ref UseAfterFree);
        }
        lock (_lock)
        {
            Log.Add(what);
        }
    }

    public string[] Snapshot()
    {
        lock (_lock)
        {
            return [.. Log];
        }
    }

    public override void Release(MmuNotifier subscription, IMmuNotifierMm mm)
    {
        Record(subscription, "release");
        Interlocked.Increment(ref Releases);
        OnRelease?.Invoke(subscription);
    }

    public override Errno InvalidateRangeStart(MmuNotifier subscription, in MmuNotifierRange range)
    {
        Record(subscription, $"start {range.Start:x}-{range.End:x} {range.Event}");
        return OnStart?.Invoke(subscription, range) ?? Errno.Ok;
    }

    public override void InvalidateRangeEnd(MmuNotifier subscription, in MmuNotifierRange range)
    {
        Record(subscription, $"end {range.Start:x}-{range.End:x} {range.Event}");
        OnEnd?.Invoke(subscription, range);
    }

    public override void ArchInvalidateSecondaryTlbs(MmuNotifier subscription, IMmuNotifierMm mm, ulong start, ulong end)
    {
        Record(subscription, $"secondary {start:x}-{end:x}");
        OnSecondary?.Invoke(subscription, start, end);
    }

    public override MmuNotifier? AllocNotifier(IMmuNotifierMm mm, object? priv) =>
        OnAlloc is null ? new MmuNotifier(this) : OnAlloc(mm, priv);

    public override void FreeNotifier(MmuNotifier subscription)
    {
        Interlocked.Increment(ref Frees);
    }
}
