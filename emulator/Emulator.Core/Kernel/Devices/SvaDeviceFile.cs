using Emulator.Core.Diagnostics;
using Emulator.Core.Mm;
using Emulator.Core.Sva;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// An open file description of <c>/dev/svaN</c>: what <c>ioctl(fd, ...)</c> reaches. Every process
/// using the file (after fork, parent and child share it) binds itself with SVA_BIND and gets its
/// own PASID; SVA_SUBMIT runs a descriptor with the caller's PASID.
/// </summary>
/// <remarks>
/// <para>Return values are the Linux way: ≥ 0 success, <c>-errno</c> failure (see
/// <see cref="Ioctl"/>). Nothing the guest passes throws.</para>
/// <para><see cref="Release"/> is the last close (the syscall layer counts references across dup and
/// fork): it unbinds every process bound through this file.</para>
/// </remarks>
public sealed class SvaDeviceFile
{
    private readonly SvaCharDevice _device;

    /// <summary>Guards <see cref="_bonds"/> and <see cref="_released"/>. Taken before the SVA manager's
    /// lock (Bind/Unbind run under it); never held during a descriptor's DMA.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<AddressSpace, SvaBond> _bonds = [];
    private bool _released;

    internal SvaDeviceFile(SvaCharDevice device) => _device = device;

    public SvaCharDevice Device => _device;

    /// <summary>ioctl(2) on this file by a process whose address space is <paramref name="caller"/>.</summary>
    /// <param name="caller">The calling process's mm.</param>
    /// <param name="cmd">The command (the syscall's second argument, truncated to 32 bits as Linux does).</param>
    /// <param name="arg">The third argument: a user address for SVA_SUBMIT, 0 for SVA_BIND.</param>
    /// <returns>
    /// SVA_BIND: the PASID (≥ 0); -EINVAL (arg not 0), or the SVA layer's error (-ENOSPC, -ESRCH, ...).
    /// SVA_SUBMIT: 0 once the completion record is written (its status says how the operation went);
    /// -EINVAL (caller not bound, completion address 0 or unaligned), -EFAULT (descriptor unreadable or
    /// completion unwritable by the device). Any other command: -ENOTTY. After <see cref="Release"/>: -EBADF.
    /// </returns>
    public long Ioctl(AddressSpace caller, uint cmd, ulong arg)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return cmd switch
        {
            SvaAbi.Bind => Bind(caller, arg),
            SvaAbi.Submit => Submit(caller, arg),
            _ => Unknown(cmd),
        };
    }

    /// <summary>The PASID <paramref name="mm"/> bound through this file, or null.</summary>
    public uint? PasidOf(AddressSpace mm)
    {
        using (_lock.EnterScope())
        {
            return _bonds.TryGetValue(mm, out var bond) ? bond.Pasid : null;
        }
    }

    /// <summary>The last close: unbinds every process bound through this file, and waits until the
    /// freed PASIDs and ASIDs are back in their allocators (the SRCU-deferred free of each mm's SVA
    /// context), so that when and which PASID a later SVA_BIND gets does not depend on host thread
    /// timing — a run is reproducible. Idempotent.</summary>
    public void Release()
    {
        List<AddressSpace> unbound;
        using (_lock.EnterScope())
        {
            if (_released)
            {
                return;
            }
            _released = true;
            unbound = [.. _bonds.Keys];
            foreach (var bond in _bonds.Values)
            {
                _device.Async.DrainPasid(bond.Pasid); // the driver drains the PASID's work before unbinding it
                _device.Sva.Unbind(bond);
            }
            _bonds.Clear();
        }
        foreach (var mm in unbound)
        {
            mm.Notifiers.Synchronize();
        }
    }

    private long Bind(AddressSpace caller, ulong arg)
    {
        if (arg != 0)
        {
            return KernelErrno.Return(Errno.EINVAL);
        }
        using (_lock.EnterScope())
        {
            if (_released)
            {
                return KernelErrno.Return(Errno.EBADF);
            }
            if (_bonds.TryGetValue(caller, out var existing))
            {
                return existing.Pasid; // binding again is idempotent: same PASID, no extra reference
            }
            var err = _device.Sva.Bind(_device.SvaDevice, caller, out var bond);
            if (err != Errno.Ok)
            {
                Log.GuestError.Debug("{0}: SVA_BIND by {1} failed: {2}", _device, caller, err);
                return KernelErrno.Return(err);
            }
            _bonds[caller] = bond!;
            return bond!.Pasid;
        }
    }

    private long Submit(AddressSpace caller, ulong arg)
    {
        uint pasid;
        using (_lock.EnterScope())
        {
            if (_released)
            {
                return KernelErrno.Return(Errno.EBADF);
            }
            if (!_bonds.TryGetValue(caller, out var bond))
            {
                Log.GuestError.Debug("{0}: SVA_SUBMIT by {1}, which did not SVA_BIND", _device, caller);
                return KernelErrno.Return(Errno.EINVAL);
            }
            pasid = bond.Pasid;
        }
        var r = _device.Engine.Submit(pasid, arg);
        return r.Outcome switch
        {
            SvaSubmitOutcome.Completed => 0,
            SvaSubmitOutcome.BadCompletionAddress => KernelErrno.Return(Errno.EINVAL),
            _ => KernelErrno.Return(Errno.EFAULT),
        };
    }

    private long Unknown(uint cmd)
    {
        Log.GuestError.Debug("{0}: unknown ioctl 0x{1:x8}", _device, cmd);
        return KernelErrno.Return(Errno.ENOTTY);
    }
}
