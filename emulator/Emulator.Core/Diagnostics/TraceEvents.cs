using System.Runtime.CompilerServices;

namespace Emulator.Core.Diagnostics;

/// <summary>
/// The trace points' switch and emitter (QEMU's <c>-trace</c> habit). Each layer boundary calls
/// <c>if (TraceEvents.On) TraceEvents.Emit(...)</c>: with no session anywhere that is one load of a
/// static field and a branch, so the benchmarks do not move; the arguments are not even evaluated.
/// </summary>
/// <remarks>
/// <para><b>Sessions.</b> A <see cref="TraceSession"/> is bound to the thread that runs a machine
/// (<see cref="TraceSession.Bind"/>); events emitted on other threads, or with no session bound,
/// are dropped. Tests running machines in parallel therefore never see each other's events.</para>
/// <para><b>Virtual time.</b> The session's clock counts virtual cycles: one per retired guest
/// instruction (<see cref="Retire"/>, from the guest kernel) and one per trace point passed, whether or
/// not the event is wanted — so a run's timestamps do not depend on the <c>--trace</c> filter, and an
/// invalidation's latency counts the steps it took (notifier calls, commands, ATC work). It is a
/// deterministic ordering clock, not a timing model of real hardware.</para>
/// </remarks>
public static class TraceEvents
{
    /// <summary>Sessions bound on any thread.</summary>
    private static int s_sessions;

    [ThreadStatic]
    private static TraceSession? t_session;

    [ThreadStatic]
    private static int t_vcpu;

    /// <summary>True while any session is bound, on any thread: the one check on hot paths.</summary>
    public static bool On
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref s_sessions) != 0;
    }

    /// <summary>The vCPU running on this thread (the agent of CPU-side events); -1 outside a guest kernel.</summary>
    public static int CurrentVcpu
    {
        get => t_session is null ? -1 : t_vcpu;
        set => t_vcpu = value;
    }

    /// <summary>The session bound to this thread, or null.</summary>
    public static TraceSession? Current => t_session;

    internal static void Bind(TraceSession session)
    {
        if (t_session is not null)
        {
            throw new InvalidOperationException("a trace session is already bound to this thread");
        }
        t_session = session;
        t_vcpu = -1;
        Interlocked.Increment(ref s_sessions);
    }

    internal static void Unbind(TraceSession session)
    {
        if (ReferenceEquals(t_session, session))
        {
            t_session = null;
            Interlocked.Decrement(ref s_sessions);
        }
    }

    /// <summary>Advances the virtual clock by retired guest instructions.</summary>
    public static void Retire(long instructions) => t_session?.Advance(instructions);

    /// <summary>Emits an event by the current vCPU (or the host thread) — CPU-side layers (mm, notifiers).</summary>
    public static void Emit(TraceEventId id, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, object? subject = null) =>
        t_session?.Emit(id, id is TraceEventId.NotifierStart or TraceEventId.NotifierSecondary or TraceEventId.NotifierEnd ? TraceAgentKind.Notifier : TraceAgentKind.Cpu,
            t_vcpu, a0, a1, a2, a3, subject);

    /// <summary>Emits an event by a given agent (the SMMU, a device, the board).</summary>
    public static void Emit(TraceEventId id, TraceAgentKind agent, int agentIndex, ulong a0 = 0, ulong a1 = 0, ulong a2 = 0, ulong a3 = 0, object? subject = null) =>
        t_session?.Emit(id, agent, agentIndex, a0, a1, a2, a3, subject);
}
