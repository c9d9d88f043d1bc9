using Emulator.Core.Memory;
using Emulator.Core.Notifiers;
using Emulator.Core.Paging;

namespace Emulator.Core.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// The last user of the mm is gone (exit_mmap): notifier subscribers are released first — without
    /// the mmap lock, so a driver's Release may block until its device stops using the mm — then every
    /// mapping is torn down in shootdown order and every frame, page table included, is freed.
    /// Idempotent. Afterwards every operation returns ESRCH and faults return <see cref="FaultResult.Dead"/>.
    /// </summary>
    public void Exit()
    {
        using (MmapLock.Enter())
        {
            if (!_live)
            {
                return;
            }
            Volatile.Write(ref _live, false);
        }
        Notifiers.Release();
        using (MmapLock.Enter())
        {
            TeardownLocked();
        }
    }

    /// <summary>Unmaps everything and frees the page tables and the root. Used by exit and by a fork that failed.</summary>
    private void TeardownLocked()
    {
        Volatile.Write(ref _live, false);
        var vmas = _vmas.ToArray();
        _vmas.Clear();
        foreach (var v in vmas)
        {
            ZapLocked(v.Start, v.End, MmuNotifierEvent.Unmap);
        }
        FreeTablesIn(_rootPfn << Page.Shift, _levels, 0, 0, Mode.UserAddressEnd());
        TakeInvalidationSpan(0, 0); // the mm is gone: its subscribers were released, its CPUs detached
        Stats.PageTablesFreed += _gatherCount;
        DrainGather();
        foreach (var v in vmas)
        {
            v.Shared?.RemoveMapper();
        }
        _cpus.Clear();
        ulong root = _rootPfn;
        Volatile.Write(ref _rootPfn, 0);
        _frames.Put(root);
    }
}
