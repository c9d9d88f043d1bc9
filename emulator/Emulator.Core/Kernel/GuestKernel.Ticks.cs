using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>Calls of <see cref="Cpu.Cpu.Run"/> by the round-robin scheduler (for tests).</summary>
    internal long CpuRuns { get; private set; }

    /// <summary>
    /// The budget of <paramref name="v"/>'s next <see cref="Cpu.Cpu.Run"/>: one tick
    /// (<see cref="GuestKernelOptions.Tick"/>, within the quantum) when anything could happen between
    /// scheduler rounds; several ticks at once when nothing could, so a lone busy thread is not
    /// stopped every thousand instructions for rounds that would change nothing.
    /// </summary>
    /// <remarks>
    /// Between two rounds the scheduler dispatches queued threads onto idle vCPUs, steps the other
    /// vCPUs and the busy device engines, fires due timers, delivers a console interrupt and checks
    /// the run's instruction budget. When the run queue is empty, no other vCPU has a thread, every
    /// device engine is idle and no console interrupt is pending, none of that can change anything
    /// until a timer falls due or the budget runs out — and only the running thread's own exits (a
    /// system call, a fault, a portal submission, each of which ends <c>Run</c> early exactly where
    /// the tick would have ended) could change that. So k uninterrupted ticks equal one run of k ticks
    /// as long as every round before the k-th would have found no timer due and the budget left:
    /// k is the number of the round whose end first reaches the earliest deadline or the budget.
    /// The run, its output, its instruction counts and its seed's schedule are the same either way.
    /// </remarks>
    private long RunBudget(Vcpu v)
    {
        CpuRuns++;
        long tick = _options.Tick;
        long oneTick = Math.Min(v.QuantumLeft, tick);
        if (!_options.MergeIdleRounds || v.QuantumLeft <= tick || _runQueue.Count != 0 || Volatile.Read(ref _consoleInterrupts) != 0)
        {
            return oneTick;
        }
        foreach (var other in _vcpus)
        {
            if (other != v && other.Current is not null)
            {
                return oneTick;
            }
        }
        foreach (var d in _devices)
        {
            if (!d.Async.IsIdle)
            {
                return oneTick;
            }
        }
        long ticks = (v.QuantumLeft + tick - 1) / tick;
        ticks = Math.Min(ticks, RoundsToReach(_options.MaxInstructions - _retired, tick));
        long deadline = EarliestDeadline();
        long perInstruction = _options.NanosecondsPerInstruction;
        if (deadline != long.MaxValue && perInstruction > 0)
        {
            long left = deadline - Now;
            ticks = Math.Min(ticks, RoundsToReach(left <= 0 ? 0 : (left + perInstruction - 1) / perInstruction, tick));
        }
        return Math.Min(v.QuantumLeft, ticks * tick);
    }

    /// <summary>How many full ticks of <paramref name="tick"/> instructions end with at least
    /// <paramref name="instructions"/> retired (at least one).</summary>
    private static long RoundsToReach(long instructions, long tick) =>
        instructions <= tick ? 1 : (instructions + tick - 1) / tick;

    /// <summary>The earliest sleep deadline or alarm, in virtual nanoseconds (long.MaxValue for none).</summary>
    private long EarliestDeadline()
    {
        long next = long.MaxValue;
        foreach (var t in _sleepers)
        {
            next = Math.Min(next, t.Deadline);
        }
        foreach (var p in _alarms)
        {
            next = Math.Min(next, p.AlarmDeadline);
        }
        return next;
    }
}
