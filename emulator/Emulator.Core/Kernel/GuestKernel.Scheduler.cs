using System.Diagnostics;
using Emulator.Core.Cpu;
using Emulator.Core.Kernel.Sys;
using Emulator.Core.Mm;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>
    /// Runs every process until all have exited (or <see cref="GuestKernelOptions.MaxInstructions"/>
    /// ran out: the rest are killed with SIGKILL and a report). Flushes the console streams.
    /// </summary>
    /// <remarks>
    /// Each round steps the vCPUs in index order: an idle vCPU takes the head of the run queue (with a
    /// quantum drawn from the seeded generator); a busy one runs at most
    /// <see cref="GuestKernelOptions.Tick"/> instructions and handles why it stopped — a syscall, a page
    /// fault (resolved through the mm, else SIGSEGV), a CPU exception (the matching signal) or the end
    /// of the quantum (back to the tail of the run queue).
    /// </remarks>
    public KernelRunResult Run()
    {
        var clock = Stopwatch.StartNew();
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
            if (_retired >= _options.MaxInstructions)
            {
                KillAll($"the run's instruction budget ({_options.MaxInstructions}) ran out");
                break;
            }
            if (!busy)
            {
                // Nothing runnable: either all have exited or (a kernel bug) some wait forever.
                KillAll("waiting forever: no process can wake it");
                break;
            }
        }
        _options.Stdout?.Flush();
        _options.Stderr?.Flush();
        return Result(clock.Elapsed);
    }

    /// <summary>Puts the run queue's head on <paramref name="v"/>: CR3, a TLB flush, its registers.</summary>
    private bool Dispatch(Vcpu v)
    {
        if (!_runQueue.TryDequeue(out var p))
        {
            return false;
        }
        Debug.Assert(p.State == GuestProcessState.Runnable);
        p.State = GuestProcessState.Running;
        v.Current = p;
        p.Mm.AttachCpu(v.Mmu);
        v.Mmu.LoadCr3(p.Mm.RootPa);
        v.Mmu.FlushAll();
        CopyRegisters(p.Registers, v.Cpu.State);
        v.QuantumLeft = _rng.Between(_options.MinQuantum, _options.MaxQuantum);
        v.StormCount = 0;
        _switches++;
        return true;
    }

    /// <summary>Takes the running process off <paramref name="v"/>, saving its registers.</summary>
    private void Undispatch(Vcpu v, GuestProcessState next)
    {
        var p = v.Current!;
        CopyRegisters(v.Cpu.State, p.Registers);
        p.Mm.DetachCpu(v.Mmu);
        v.Current = null;
        p.State = next;
        if (next == GuestProcessState.Runnable)
        {
            _runQueue.Enqueue(p);
        }
    }

    private void Step(Vcpu v)
    {
        var p = v.Current!;
        long before = v.Cpu.InstructionsRetired;
        var exit = v.Cpu.Run(Math.Min(v.QuantumLeft, _options.Tick));
        long retired = v.Cpu.InstructionsRetired - before;
        p.Instructions += retired;
        _retired += retired;
        v.QuantumLeft -= retired;
        switch (exit.Kind)
        {
            case CpuExitKind.BudgetExhausted:
                break;
            case CpuExitKind.Syscall:
                _syscalls++;
                if (!Syscall(v, p, exit.Rip))
                {
                    return; // blocked or exited: no longer on this vCPU
                }
                break;
            case CpuExitKind.PageFault:
                if (!PageFault(v, p, in exit, retired))
                {
                    return;
                }
                break;
            default:
                Kill(p, exit.Signal, $"killed by {LinuxAbi.SignalName(exit.Signal)}: {exit}");
                return;
        }
        if (v.QuantumLeft <= 0)
        {
            Undispatch(v, GuestProcessState.Runnable);
        }
    }

    /// <summary>Resolves a #PF through the mm, as Linux's do_user_addr_fault; kills the process when the
    /// access is not allowed. Returns false when the process was killed.</summary>
    private bool PageFault(Vcpu v, GuestProcess p, in CpuExit exit, long retired)
    {
        var r = p.Mm.HandleFault(exit.FaultAddress, exit.IsWrite, exit.IsFetch);
        switch (r)
        {
            case FaultResult.Resolved:
                _faults++;
                if (retired == 0 && v.StormRip == exit.Rip && v.StormAddress == exit.FaultAddress)
                {
                    if (++v.StormCount > _options.FaultStormLimit)
                    {
                        Kill(p, LinuxAbi.SigSegv, $"killed by SIGSEGV: the same fault keeps coming back after being resolved: {exit}");
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
                Kill(p, LinuxAbi.SigKill, $"killed by SIGKILL (out of memory) resolving {exit}");
                return false;
            default:
                string why = r == FaultResult.MapError ? "SEGV_MAPERR" : r == FaultResult.AccessError ? "SEGV_ACCERR" : r.ToString();
                Kill(p, LinuxAbi.SigSegv, $"killed by SIGSEGV ({why}): {exit}");
                return false;
        }
    }

    private void KillAll(string why)
    {
        foreach (var p in _processes.ToArray())
        {
            if (!p.HasExited)
            {
                Kill(p, LinuxAbi.SigKill, "killed by SIGKILL: " + why);
            }
        }
    }

    private static void CopyRegisters(CpuState from, CpuState to) => from.CopyTo(to);
}
