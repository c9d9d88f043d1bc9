using Emulator.Core.Pcie;

namespace Emulator.Tests.Smmu;

/// <summary>A test double of the ATC backend seam: records every invalidation and sync, and can be
/// told to let syncs time out.</summary>
internal sealed class RecordingAtcBackend : IAtcBackend
{
    public string Name => "recording";

    public List<AtcInvalidation> Invalidations { get; } = [];

    public List<TimeSpan> SyncTimeouts { get; } = [];

    /// <summary>When true, <see cref="Sync"/> reports <see cref="AtcSyncResult.Timeout"/>.</summary>
    public bool TimeOut { get; set; }

    public void Invalidate(in AtcInvalidation request) => Invalidations.Add(request);

    public AtcSyncResult Sync(TimeSpan timeout)
    {
        SyncTimeouts.Add(timeout);
        return TimeOut ? AtcSyncResult.Timeout : AtcSyncResult.Complete;
    }

    public bool TryDump(uint sid, List<AtcEntry> into) => false;
}
