using System.Diagnostics;
using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>A system call handler's result meaning "the thread left the vCPU" (it sleeps, exited or
    /// its registers were replaced): nothing is written to RAX.</summary>
    private const long Blocked = long.MinValue;

    /// <summary>Threads asleep with a deadline, in the order they went to sleep.</summary>
    private readonly List<GuestThread> _sleepers = [];

    /// <summary>Processes with an armed ITIMER_REAL.</summary>
    private readonly List<GuestProcess> _alarms = [];

    /// <summary>
    /// Runs every thread until all processes have exited (or <see cref="GuestKernelOptions.MaxInstructions"/>
    /// ran out: the rest are killed with SIGKILL and a report). Flushes the console streams.
    /// </summary>
    /// <remarks>
    /// Each round steps the vCPUs in index order: an idle vCPU takes the head of the run queue (with a
    /// quantum drawn from the seeded generator); a busy one runs at most
    /// <see cref="GuestKernelOptions.Tick"/> instructions and handles why it stopped — a system call, a
    /// page fault (resolved through the mm, else SIGSEGV), a CPU exception (the matching signal) or
    /// the end of the quantum (back to the tail of the run queue). Then expired sleeps and alarms fire.
    /// When no thread can run but some sleep with a deadline, the virtual clock jumps to the earliest.
    /// </remarks>
    public KernelRunResult Run()
    {
        var clock = Stopwatch.StartNew();
        if (_options.Schedule.Strategy == ScheduleStrategy.Pct)
        {
            RunPct();
            _options.Stdout?.Flush();
            _options.Stderr?.Flush();
            return Result(clock.Elapsed);
        }
        while (true)
        {
            bool busy = false;
            foreach (var v in _vcpus)
            {
                if (v.Current is null && !Dispatch(v))
                {
                    continue;
                }
                busy = true;
                Step(v);
            }
            busy |= StepDevices();
            FireTimers();
            DeliverConsoleInterrupts();
            if (_retired >= _options.MaxInstructions)
            {
                KillAll($"the run's instruction budget ({_options.MaxInstructions}) ran out");
                break;
            }
            if (!busy && _runQueue.Count == 0)
            {
                if (!SkipIdleTime())
                {
                    // Nothing runnable and nothing will wake by itself: all have exited, or some wait forever.
                    KillAll("waiting forever: no thread can wake it");
                    break;
                }
            }
        }
        _options.Stdout?.Flush();
        _options.Stderr?.Flush();
        return Result(clock.Elapsed);
    }

    /// <summary>Gives each device's asynchronous engine a turn after the vCPUs': a number of steps drawn
    /// from the seeded generator, each on a job it chooses (so a seed fixes how DMA interleaves with
    /// the threads). True when any engine had work.</summary>
    private bool StepDevices()
    {
        bool any = false;
        foreach (var d in _devices)
        {
            var engine = d.Async;
            if (engine.IsIdle)
            {
                continue;
            }
            any = true;
            long steps = _rng.Between(1, _options.MaxDeviceSteps);
            for (long k = 0; k < steps && engine.Step(_rng.Next()); k++)
            {
            }
        }
        return any;
    }

    /// <summary>Puts the run queue's head on <paramref name="v"/>: CR3, a TLB flush, its registers.</summary>
    private bool Dispatch(Vcpu v)
    {
        while (_runQueue.TryDequeue(out var t))
        {
            if (t.State != GuestThreadState.Runnable)
            {
                continue; // killed while queued
            }
            if (t.Process.Stopped)
            {
                t.State = GuestThreadState.Stopped; // parked until SIGCONT
                continue;
            }
            t.State = GuestThreadState.Running;
            v.Current = t;
            var mm = t.Process.Mm;
            mm.AttachCpu(v.Mmu);
            v.Mmu.LoadCr3(mm.RootPa);
            v.Mmu.FlushAll();
            t.Registers.CopyTo(v.Cpu.State);
            v.QuantumLeft = _rng.Between(_options.MinQuantum, _options.MaxQuantum);
            v.StormCount = 0;
            _switches++;
            return true;
        }
        return false;
    }

    /// <summary>Takes the running thread off <paramref name="v"/>, saving its registers.</summary>
    private void Undispatch(Vcpu v, GuestThreadState next)
    {
        var t = v.Current!;
        v.Cpu.State.CopyTo(t.Registers);
        t.Process.Mm.DetachCpu(v.Mmu);
        v.Current = null;
        t.State = next;
        if (next == GuestThreadState.Runnable)
        {
            _runQueue.Enqueue(t);
        }
    }

    /// <summary>The vCPU running <paramref name="t"/>, or null.</summary>
    private Vcpu? VcpuOf(GuestThread t)
    {
        foreach (var v in _vcpus)
        {
            if (v.Current == t)
            {
                return v;
            }
        }
        return null;
    }

    private void Step(Vcpu v)
    {
        var t = v.Current!;
        if (t.Process.Stopped)
        {
            Undispatch(v, GuestThreadState.Stopped); // stopped while it ran (or by itself: raise(SIGSTOP))
            return;
        }
        if (HasDeliverableSignal(t) && !DeliverSignals(v, t))
        {
            return; // the signal ended the thread
        }
        if (v.Current != t)
        {
            return;
        }
        long before = v.Cpu.InstructionsRetired;
        var exit = v.Cpu.Run(RunBudget(v));
        long retired = v.Cpu.InstructionsRetired - before;
        if (Diagnostics.TraceEvents.On) { Diagnostics.TraceEvents.Retire(retired); Diagnostics.TraceEvents.CurrentVcpu = v.Index; }
        t.Instructions += retired;
        t.Process.Instructions += retired;
        _retired += retired;
        v.QuantumLeft -= retired;
        switch (exit.Kind)
        {
            case CpuExitKind.BudgetExhausted:
                break;
            case CpuExitKind.Syscall:
                _syscalls++;
                if (!Syscall(v, t, exit.Rip))
                {
                    return; // blocked or exited: no longer on this vCPU
                }
                break;
            case CpuExitKind.PageFault:
                if (!PageFault(v, t, in exit, retired))
                {
                    return;
                }
                break;
            default:
                CpuExceptionSignal(v, t, in exit);
                break;
        }
        if (v.QuantumLeft <= 0 && v.Current == t)
        {
            Undispatch(v, GuestThreadState.Runnable);
        }
    }

    /// <summary>Resolves a #PF through the mm, as Linux's do_user_addr_fault; a fault the mm refuses
    /// becomes SIGSEGV (SEGV_MAPERR / SEGV_ACCERR with si_addr) or SIGBUS, delivered to the thread.
    /// Returns false when the thread left the vCPU.</summary>
    private bool PageFault(Vcpu v, GuestThread t, in CpuExit exit, long retired)
    {
        var r = t.Process.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch);
        switch (r)
        {
            case FaultResult.Resolved:
                _faults++;
                if (retired == 0 && v.StormRip == exit.Rip && v.StormAddress == exit.FaultAddress)
                {
                    if (++v.StormCount > _options.FaultStormLimit)
                    {
                        KillProcess(t.Process, SignalAbi.SigSegv, $"killed by SIGSEGV: the same fault keeps coming back after being resolved: {exit}");
                        return false;
                    }
                }
                else
                {
                    v.StormRip = exit.Rip;
                    v.StormAddress = exit.FaultAddress;
                    v.StormCount = 1;
                }
                return true;
            case FaultResult.OutOfMemory:
                KillProcess(t.Process, SignalAbi.SigKill, $"killed by SIGKILL (out of memory) resolving {exit}");
                return false;
            default:
                int code = r == FaultResult.AccessError ? SignalAbi.SegvAccErr : SignalAbi.SegvMapErr;
                ForceSignal(t, SigInfo.Fault(SignalAbi.SigSegv, code, exit.FaultAddress), in exit);
                return true;
        }
    }

    /// <summary>Wakes sleepers whose deadline passed and fires due alarms.</summary>
    private void FireTimers()
    {
        long now = Now;
        for (int i = 0; i < _sleepers.Count; i++)
        {
            var t = _sleepers[i];
            if (t.Deadline <= now)
            {
                _sleepers.RemoveAt(i--);
                TimeOut(t);
            }
        }
        for (int i = 0; i < _alarms.Count; i++)
        {
            var p = _alarms[i];
            if (p.AlarmDeadline <= now)
            {
                if (p.AlarmInterval > 0 && !p.HasExited)
                {
                    p.AlarmDeadline += p.AlarmInterval * Math.Max(1, (now - p.AlarmDeadline) / p.AlarmInterval + 1);
                }
                else
                {
                    p.AlarmDeadline = long.MaxValue;
                    _alarms.RemoveAt(i--);
                }
                if (!p.HasExited)
                {
                    SendProcessSignal(p, SigInfo.Kernel(SignalAbi.SigAlrm));
                }
            }
        }
    }

    /// <summary>Every thread sleeps: moves the virtual clock to the earliest deadline or alarm.</summary>
    /// <returns>false when nothing will ever wake by itself.</returns>
    private bool SkipIdleTime()
    {
        long next = EarliestDeadline();
        if (next == long.MaxValue)
        {
            return false;
        }
        long now = Now;
        if (next > now)
        {
            _idleNanoseconds += next - now;
        }
        FireTimers();
        return true;
    }

    private void KillAll(string why)
    {
        foreach (var p in _processes.ToArray())
        {
            if (!p.HasExited)
            {
                KillProcess(p, SignalAbi.SigKill, "killed by SIGKILL: " + why);
            }
        }
    }
}
