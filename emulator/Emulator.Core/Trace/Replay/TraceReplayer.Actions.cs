using Emulator.Core.Mm;
using Emulator.Core.Pcie;

namespace Emulator.Core.Trace.Replay;

public sealed partial class TraceReplayer
{
    /// <summary>Runs one action and says what happened; <see cref="Check"/> compares it with the trace.</summary>
    private ActionOutcome Perform(ActionStatement a) => a switch
    {
        BindStatement s => Bind(s),
        UnbindStatement s => Unbind(s),
        MmapStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : Mmap(mm!, s),
        MunmapStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : ActionOutcome.From(mm!.Munmap(s.Address, s.Size)),
        MprotectStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : ActionOutcome.From(mm!.Mprotect(s.Address, s.Size, s.Protection)),
        MadviseStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : ActionOutcome.From(mm!.Madvise(s.Address, s.Size, s.Advice)),
        MremapStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : Mremap(mm!, s),
        BrkStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : Brk(mm!, s),
        ForkStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : Fork(mm!, s),
        ExitStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : Exit(mm!),
        MigrateStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : ActionOutcome.From(mm!.Migrate(s.Address, s.Size, out _, out _)),
        WriteStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : CpuWrite(mm!, s),
        ReadStatement s => WithProcess(s.Process, out var mm) is { } missing ? missing : CpuRead(mm!, s),
        DmaStatement s => Dma(s),
        _ => ActionOutcome.Broken($"an action this replayer does not run ({a.GetType().Name})"),
    };

    private ActionOutcome? WithProcess(string name, out AddressSpace? mm) =>
        _processes.TryGetValue(name, out mm) ? null : ActionOutcome.Broken($"process {name} does not exist (its creation failed)");

    private ActionOutcome? WithDevice(string name, out DmaDevice? device, out DeviceState? state)
    {
        device = null;
        if (!_devices.TryGetValue(name, out state))
        {
            return ActionOutcome.Broken($"device {name} does not exist");
        }
        device = state.Device;
        return device is null ? ActionOutcome.Broken($"device {name} was not added (error {state.AddError})") : null;
    }

    private BindingState Binding(string device, string process)
    {
        if (!_bindings.TryGetValue((device, process), out var b))
        {
            b = new BindingState();
            _bindings[(device, process)] = b;
        }
        return b;
    }

    private ActionOutcome Bind(BindStatement s)
    {
        if (WithDevice(s.Device, out _, out var state) is { } missingDevice)
        {
            return missingDevice;
        }
        if (WithProcess(s.Process, out var mm) is { } missingProcess)
        {
            return missingProcess;
        }
        var err = _machine!.Sva!.Bind(state!.Sva, mm!, out var bond);
        if (err == Errno.Ok)
        {
            var b = Binding(s.Device, s.Process);
            b.Bonds.Add(bond!);
            b.LastPasid = bond!.Pasid;
        }
        return ActionOutcome.From(err);
    }

    /// <summary>An unbind without a bond is EINVAL: the trace's handle does not exist.</summary>
    private ActionOutcome Unbind(UnbindStatement s)
    {
        if (WithDevice(s.Device, out _, out _) is { } missingDevice)
        {
            return missingDevice;
        }
        if (!_bindings.TryGetValue((s.Device, s.Process), out var b) || b.Bonds.Count == 0)
        {
            return ActionOutcome.From(Errno.EINVAL);
        }
        var bond = b.Bonds[^1];
        b.Bonds.RemoveAt(b.Bonds.Count - 1);
        _machine!.Sva!.Unbind(bond);
        // A replay must be deterministic: wait for the deferred free of the SVA context, so a PASID
        // the unbind released is free again for the next statement (as it is, eventually, on a real
        // machine) rather than depending on thread-pool timing.
        bond.Mm.Notifiers.Synchronize();
        return ActionOutcome.Ok;
    }

    /// <summary>"At exactly ADDR, fails if it overlaps" is MAP_FIXED_NOREPLACE (EEXIST on overlap).</summary>
    private static ActionOutcome Mmap(AddressSpace mm, MmapStatement s)
    {
        var flags = MapFlags.Anonymous | MapFlags.FixedNoReplace | (s.Shared ? MapFlags.Shared : MapFlags.Private);
        var err = mm.Mmap(s.Address, s.Size, s.Protection, flags, out ulong mapped);
        if (err == Errno.Ok && mapped != s.Address)
        {
            return ActionOutcome.Broken($"a mapping at 0x{mapped:x}, not at 0x{s.Address:x}");
        }
        return ActionOutcome.From(err);
    }

    /// <summary>Without <c>to=</c> the mapping is resized in place (no MREMAP_MAYMOVE, so the trace
    /// knows where it is afterwards); with it, MREMAP_MAYMOVE|MREMAP_FIXED to that address.</summary>
    private static ActionOutcome Mremap(AddressSpace mm, MremapStatement s)
    {
        var flags = s.To is null ? MremapFlags.None : MremapFlags.MayMove | MremapFlags.Fixed;
        return ActionOutcome.From(mm.Mremap(s.Address, s.Size, s.NewSize, flags, s.To ?? 0, out _));
    }

    /// <summary>brk(2) reports failure by returning the old break; the trace sees that as ENOMEM.</summary>
    private static ActionOutcome Brk(AddressSpace mm, BrkStatement s) =>
        mm.Brk(s.Address) == s.Address ? ActionOutcome.Ok : ActionOutcome.From(Errno.ENOMEM);

    private ActionOutcome Fork(AddressSpace mm, ForkStatement s)
    {
        var err = mm.Fork(out var child);
        if (err == Errno.Ok)
        {
            _processes[s.Child] = child!;
        }
        return ActionOutcome.From(err);
    }

    private static ActionOutcome Exit(AddressSpace mm)
    {
        mm.Exit();
        return ActionOutcome.Ok;
    }

    private ActionOutcome CpuWrite(AddressSpace mm, WriteStatement s)
    {
        for (ulong done = 0; done < s.Size;)
        {
            int n = (int)Math.Min(s.Size - done, ChunkSize);
            var chunk = _buffer.AsSpan(0, n);
            s.Data.Fill(done, chunk);
            var err = mm.WriteUser(s.Address + done, chunk, out ulong faultVa);
            if (err != Errno.Ok)
            {
                return CpuError(err, faultVa);
            }
            done += (ulong)n;
        }
        return ActionOutcome.Ok;
    }

    private ActionOutcome CpuRead(AddressSpace mm, ReadStatement s)
    {
        bool compare = s.Result.Kind == ResultKind.Pattern;
        for (ulong done = 0; done < s.Size;)
        {
            int n = (int)Math.Min(s.Size - done, ChunkSize);
            var chunk = _buffer.AsSpan(0, n);
            var err = mm.ReadUser(s.Address + done, chunk, out ulong faultVa);
            if (err != Errno.Ok)
            {
                return CpuError(err, faultVa);
            }
            if (compare && Compare(s.Result.Pattern, done, chunk) is { } mismatch)
            {
                return mismatch;
            }
            done += (ulong)n;
        }
        return ActionOutcome.Ok;
    }

    private ActionOutcome CpuError(Errno err, ulong faultVa)
    {
        if (err != Errno.EFAULT)
        {
            return ActionOutcome.From(err);
        }
        _cpuFaults++;
        return ActionOutcome.Faulted($"at 0x{faultVa:x}");
    }

    /// <summary>The device accesses the process through the PASID of its current (or, after unbind, last) bond.</summary>
    private ActionOutcome Dma(DmaStatement s)
    {
        if (WithDevice(s.Device, out var device, out _) is { } missing)
        {
            return missing;
        }
        if (!_bindings.TryGetValue((s.Device, s.Process), out var b) || b.LastPasid is not uint pasid)
        {
            return ActionOutcome.Broken($"device {s.Device} was never bound to {s.Process}, so it has no PASID for it");
        }
        bool compare = s.Direction == DmaDirection.Read && s.Result.Kind == ResultKind.Pattern;
        for (ulong done = 0; done < s.Size;)
        {
            int n = (int)Math.Min(s.Size - done, ChunkSize);
            var chunk = _buffer.AsSpan(0, n);
            DmaResult r;
            if (s.Direction == DmaDirection.Write)
            {
                s.Data.Fill(done, chunk);
                r = device!.Write(pasid, s.Address + done, chunk);
            }
            else
            {
                r = device!.Read(pasid, s.Address + done, chunk);
            }
            if (!r.IsOk)
            {
                _dmaFaults++;
                return ActionOutcome.Faulted(r.ToString());
            }
            if (compare && Compare(s.Result.Pattern, done, chunk) is { } mismatch)
            {
                return mismatch;
            }
            done += (ulong)n;
        }
        return ActionOutcome.Ok;
    }

    /// <summary>Null when <paramref name="data"/> equals the pattern at <paramref name="offset"/>;
    /// otherwise the first differing byte.</summary>
    private ActionOutcome? Compare(Pattern pattern, ulong offset, ReadOnlySpan<byte> data)
    {
        if (pattern.Matches(offset, data))
        {
            return null;
        }
        var expected = _expected.AsSpan(0, data.Length);
        pattern.Fill(offset, expected);
        int i = data.CommonPrefixLength(expected);
        if (i >= data.Length)
        {
            return ActionOutcome.Mismatch("bytes that differ from the pattern");
        }
        return ActionOutcome.Mismatch($"byte 0x{data[i]:x2} at offset 0x{offset + (ulong)i:x} where the pattern has 0x{expected[i]:x2}");
    }
}
