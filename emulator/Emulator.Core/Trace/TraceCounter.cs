namespace Emulator.Core.Trace;

/// <summary>The counters <c>expect count</c> may name. The trace spelling is in
/// <see cref="TraceNames"/>.</summary>
public enum TraceCounter : byte
{
    /// <summary><c>atc-inv</c>: ATC invalidation commands issued.</summary>
    AtcInv = 0,
    /// <summary><c>tlbi</c>: SMMU TLB invalidation commands.</summary>
    Tlbi = 1,
    /// <summary><c>cfgi</c>: configuration-cache invalidation commands.</summary>
    Cfgi = 2,
    /// <summary><c>sync</c>: CMD_SYNCs.</summary>
    Sync = 3,
    /// <summary><c>pri</c>: page requests.</summary>
    Pri = 4,
    /// <summary><c>dma-fault</c>: DMAs reported as failed.</summary>
    DmaFault = 5,
    /// <summary><c>cpu-fault</c>: CPU accesses that raised SIGSEGV.</summary>
    CpuFault = 6,
    /// <summary><c>event</c>: event-queue records.</summary>
    Event = 7,
    /// <summary><c>stale</c>: accesses through a stale translation (the oracle).</summary>
    Stale = 8,
}
