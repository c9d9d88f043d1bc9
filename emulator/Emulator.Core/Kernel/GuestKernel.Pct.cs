using System.Diagnostics;
using Emulator.Core.Kernel.Sys;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>PCT's slice: instructions a thread runs per step (its interleaving granularity).</summary>
    private const int PctSlice = 1000;

    private readonly Dictionary<object, long> _priority = [];
    private long[] _changePoints = [];
    private int _nextChange;
    private long _lowPriority;
    private long _pctStep;

    /// <summary>Steps the PCT scheduler took (an explorer's estimate of K for the next schedules).</summary>
    public long PctSteps => _pctStep;

    /// <summary>The thread that last called sched_yield: passed over for one pick when any other agent is
    /// enabled (a spinning poller must let the device it waits for run).</summary>
    private GuestThread? _pctYielded;

    /// <summary>
    /// The PCT scheduler (<see cref="ScheduleStrategy.Pct"/>): one agent at a time, the enabled one with
    /// the highest priority — a runnable thread for <see cref="PctSlice"/> instructions on vCPU 0, or a
    /// device engine for one step. At each of the depth − 1 change points (drawn once from the seed among
    /// <see cref="SchedulePolicy.Steps"/> steps) the agent running drops to the lowest priority yet.
    /// </summary>
    private void RunPct()
    {
        var policy = _options.Schedule;
        var points = new long[Math.Max(0, policy.Depth - 1)];
        for (int i = 0; i < points.Length; i++)
        {
            points[i] = _rng.Between(1, policy.Steps);
        }
        Array.Sort(points);
        _changePoints = points;
        _lowPriority = 0;
        var v = _vcpus[0];
        while (true)
        {
            DeliverConsoleInterrupts();
            object? agent = HighestPriorityAgent();
            if (agent is null)
            {
                if (v.Current is not null)
                {
                    agent = v.Current; // the thread on the vCPU is runnable by definition
                }
                else if (!SkipIdleTime())
                {
                    KillAll("waiting forever: no thread can wake it");
                    break;
                }
                else
                {
                    continue;
                }
            }
            if (agent is GuestThread t)
            {
                if (v.Current != t)
                {
                    if (v.Current is not null)
                    {
                        Undispatch(v, GuestThreadState.Runnable);
                    }
                    DispatchThread(v, t);
                }
                v.QuantumLeft = PctSlice;
                Step(v);
            }
            else
            {
                ((Devices.SvaCharDevice)agent).Async.Step(_rng.Next());
            }
            _pctStep++;
            while (_nextChange < _changePoints.Length && _changePoints[_nextChange] <= _pctStep)
            {
                _priority[agent] = --_lowPriority;
                _nextChange++;
            }
            FireTimers();
            if (_retired >= _options.MaxInstructions)
            {
                KillAll($"the run's instruction budget ({_options.MaxInstructions}) ran out");
                break;
            }
            if (AllExited())
            {
                break;
            }
        }
    }

    private bool AllExited()
    {
        foreach (var p in _processes)
        {
            if (!p.HasExited)
            {
                return false;
            }
        }
        foreach (var d in _devices)
        {
            if (!d.Async.IsIdle)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The enabled agent with the highest priority: a runnable (or running) thread, or a device
    /// engine with work. New agents get a priority from the seeded generator when first seen.</summary>
    private object? HighestPriorityAgent()
    {
        object? best = null;
        long bestPriority = long.MinValue;
        foreach (var p in _processes)
        {
            foreach (var t in p.Threads)
            {
                if (t.State is GuestThreadState.Runnable or GuestThreadState.Running)
                {
                    Consider(t, ref best, ref bestPriority);
                }
            }
        }
        foreach (var d in _devices)
        {
            if (!d.Async.IsIdle)
            {
                Consider(d, ref best, ref bestPriority);
            }
        }
        if (best is not null && best == _pctYielded)
        {
            object? other = null;
            long otherPriority = long.MinValue;
            foreach (var p in _processes)
            {
                foreach (var t in p.Threads)
                {
                    if (t != _pctYielded && t.State is GuestThreadState.Runnable or GuestThreadState.Running)
                    {
                        Consider(t, ref other, ref otherPriority);
                    }
                }
            }
            foreach (var d in _devices)
            {
                if (!d.Async.IsIdle)
                {
                    Consider(d, ref other, ref otherPriority);
                }
            }
            if (other is not null)
            {
                best = other;
            }
        }
        _pctYielded = null;
        return best;
    }

    private void Consider(object agent, ref object? best, ref long bestPriority)
    {
        if (!_priority.TryGetValue(agent, out long priority))
        {
            // Initial priorities are above every change point's (which count down from 0).
            priority = 1 + (long)(_rng.Next() >> 2);
            _priority[agent] = priority;
        }
        if (priority > bestPriority)
        {
            best = agent;
            bestPriority = priority;
        }
    }

    /// <summary>Puts a particular runnable thread on <paramref name="v"/> (PCT chooses which).</summary>
    private void DispatchThread(Vcpu v, GuestThread t)
    {
        Debug.Assert(t.State == GuestThreadState.Runnable);
        int n = _runQueue.Count;
        for (int i = 0; i < n; i++)
        {
            var q = _runQueue.Dequeue();
            if (q != t)
            {
                _runQueue.Enqueue(q);
            }
        }
        t.State = GuestThreadState.Running;
        v.Current = t;
        var mm = t.Process.Mm;
        mm.AttachCpu(v.Mmu);
        v.Mmu.LoadCr3(mm.RootPa);
        v.Mmu.FlushAll();
        t.Registers.CopyTo(v.Cpu.State);
        v.StormCount = 0;
        _switches++;
    }
}
