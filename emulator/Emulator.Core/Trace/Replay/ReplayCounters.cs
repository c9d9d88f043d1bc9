namespace Emulator.Core.Trace.Replay;

/// <summary>The counters <c>expect count</c> compares, cumulative from the start of a replay.</summary>
/// <param name="AtcInv">CMD_ATC_INV commands the SMMU driver issued.</param>
/// <param name="Tlbi">CMD_TLBI_* commands.</param>
/// <param name="Cfgi">CMD_CFGI_* commands.</param>
/// <param name="Sync">CMD_SYNC commands.</param>
/// <param name="Pri">Page requests sent, summed over the devices.</param>
/// <param name="DmaFault">DMAs of the trace that the device reported as failed.</param>
/// <param name="CpuFault">CPU reads and writes of the trace that faulted (EFAULT, i.e. SIGSEGV).</param>
/// <param name="Event">Event-queue records drained from the SMMU.</param>
/// <param name="Stale">Stale accesses plus ATC/page-table violations seen by the coherence oracle.</param>
public readonly record struct ReplayCounters(
    long AtcInv, long Tlbi, long Cfgi, long Sync, long Pri, long DmaFault, long CpuFault, long Event, long Stale)
{
    /// <summary>The value of <paramref name="counter"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A counter this version does not know.</exception>
    public long this[TraceCounter counter] => counter switch
    {
        TraceCounter.AtcInv => AtcInv,
        TraceCounter.Tlbi => Tlbi,
        TraceCounter.Cfgi => Cfgi,
        TraceCounter.Sync => Sync,
        TraceCounter.Pri => Pri,
        TraceCounter.DmaFault => DmaFault,
        TraceCounter.CpuFault => CpuFault,
        TraceCounter.Event => Event,
        TraceCounter.Stale => Stale,
        _ => throw new ArgumentOutOfRangeException(nameof(counter), counter, null),
    };
}
