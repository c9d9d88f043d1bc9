using System.Buffers.Binary;
using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;
using NLog;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// The SVA device's work engine: fetches a descriptor by DMA, validates it, performs it by DMA in
/// page-sized chunks and writes the completion record by DMA — every access through
/// <see cref="DmaDevice.Read"/>/<see cref="DmaDevice.Write"/> with the process's PASID, so through the
/// ATC, ATS translation and PRI exactly as trace replay's DMA goes.
/// </summary>
/// <remarks>
/// <para>Guest mistakes are values: an invalid descriptor is an INVALID completion, a failed access a
/// PAGE_FAULT completion (fault_addr = the address, bytes_completed = the bytes done before it), an
/// unreadable descriptor or unwritable completion an outcome the ioctl turns into EFAULT.</para>
/// <para>One descriptor runs at a time (the device has one engine): <see cref="_lock"/>.</para>
/// </remarks>
public sealed class SvaDescriptorEngine
{
    /// <summary>Bytes moved per DMA request.</summary>
    public const int ChunkSize = Page.Size;

    private static readonly Logger s_log = Log.For("sva-dev");

    private readonly DmaDevice _device;

    /// <summary>Serialises descriptors; guards <see cref="_a"/>, <see cref="_b"/> and the counters.
    /// Held across DMA (which may run the PRI handler and take an mmap lock): nothing that holds an
    /// mmap lock may take it.</summary>
    private readonly Lock _lock = new();
    private readonly byte[] _a = new byte[ChunkSize];
    private readonly byte[] _b = new byte[ChunkSize];
    private long _descriptors;

    public SvaDescriptorEngine(DmaDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _device = device;
    }

    /// <summary>The DMA engine it drives.</summary>
    public DmaDevice Device => _device;

    /// <summary>Descriptors fetched.</summary>
    public long Descriptors => Interlocked.Read(ref _descriptors);

    /// <summary>Runs the descriptor at <paramref name="descriptorVa"/> in the address space of <paramref name="pasid"/>.</summary>
    public SvaSubmitResult Submit(uint pasid, ulong descriptorVa)
    {
        Span<byte> raw = stackalloc byte[SvaDescriptor.Size];
        lock (_lock)
        {
            Interlocked.Increment(ref _descriptors);
            var fetch = _device.Read(pasid, descriptorVa, raw);
            if (!fetch.IsOk)
            {
                Log.GuestError.Debug("sid {0:x} pasid {1:x}: descriptor at 0x{2:x} unreadable: {3}", _device.Sid, pasid, descriptorVa, fetch);
                return new SvaSubmitResult(SvaSubmitOutcome.DescriptorFault, default, fetch);
            }
            var d = SvaDescriptor.Read(raw);
            if (d.Completion == 0 || d.Completion % SvaAbi.CompletionAlignment != 0)
            {
                Log.GuestError.Debug("sid {0:x} pasid {1:x}: completion address 0x{2:x} is not 32-byte aligned", _device.Sid, pasid, d.Completion);
                return new SvaSubmitResult(SvaSubmitOutcome.BadCompletionAddress, default, default);
            }
            var c = ExecuteLocked(pasid, d);
            Span<byte> record = stackalloc byte[SvaCompletion.Size];
            c.Write(record);
            var w = _device.Write(pasid, d.Completion, record);
            if (!w.IsOk)
            {
                return new SvaSubmitResult(SvaSubmitOutcome.CompletionFault, c, w);
            }
            return new SvaSubmitResult(SvaSubmitOutcome.Completed, c, w);
        }
    }

    /// <summary>Validates and runs <paramref name="d"/> (already fetched); the completion is returned, not written.</summary>
    public SvaCompletion Execute(uint pasid, in SvaDescriptor d)
    {
        lock (_lock)
        {
            return ExecuteLocked(pasid, d);
        }
    }

    /// <summary>Waits until no descriptor is running (the device driver's mm-exit step).</summary>
    public void Quiesce()
    {
        lock (_lock)
        {
        }
    }

    private SvaCompletion ExecuteLocked(uint pasid, in SvaDescriptor d)
    {
        var invalid = d.Validate();
        if (invalid != SvaInvalidReason.None)
        {
            Log.GuestError.Debug("sid {0:x} pasid {1:x}: invalid descriptor ({2})", _device.Sid, pasid, invalid);
            return new SvaCompletion { Status = SvaStatus.Invalid, Result = (ulong)invalid };
        }
        var c = d.Op switch
        {
            SvaOp.Copy => Copy(pasid, d),
            SvaOp.Fill => Fill(pasid, d),
            SvaOp.Compare => Compare(pasid, d),
            _ => Crc(pasid, d),
        };
        s_log.Trace("sid {0:x} pasid {1:x}: {2} len {3}: {4}", _device.Sid, pasid, d.Op, d.Len, c);
        return c;
    }

    private SvaCompletion Copy(uint pasid, in SvaDescriptor d)
    {
        for (ulong done = 0; done < d.Len;)
        {
            var chunk = _a.AsSpan(0, (int)Math.Min(ChunkSize, d.Len - done));
            var r = _device.Read(pasid, d.Src + done, chunk);
            if (r.BytesCompleted > 0)
            {
                var w = _device.Write(pasid, d.Dst + done, chunk[..r.BytesCompleted]);
                if (!w.IsOk)
                {
                    return Fault(w, write: true, done);
                }
            }
            if (!r.IsOk)
            {
                return Fault(r, write: false, done);
            }
            done += (ulong)chunk.Length;
        }
        return Success(d.Len, 0);
    }

    private SvaCompletion Fill(uint pasid, in SvaDescriptor d)
    {
        var pattern = _a.AsSpan();
        for (int i = 0; i < pattern.Length; i += sizeof(ulong))
        {
            BinaryPrimitives.WriteUInt64LittleEndian(pattern[i..], d.Pattern); // ChunkSize is a multiple of 8: every chunk starts at phase 0
        }
        for (ulong done = 0; done < d.Len;)
        {
            int n = (int)Math.Min(ChunkSize, d.Len - done);
            var w = _device.Write(pasid, d.Dst + done, pattern[..n]);
            if (!w.IsOk)
            {
                return Fault(w, write: true, done);
            }
            done += (ulong)n;
        }
        return Success(d.Len, 0);
    }

    /// <summary>Compares chunk by chunk and stops at the first difference: a fault after it is never seen.</summary>
    private SvaCompletion Compare(uint pasid, in SvaDescriptor d)
    {
        for (ulong done = 0; done < d.Len;)
        {
            int n = (int)Math.Min(ChunkSize, d.Len - done);
            var ra = _device.Read(pasid, d.Src + done, _a.AsSpan(0, n));
            var rb = _device.Read(pasid, d.Dst + done, _b.AsSpan(0, ra.BytesCompleted));
            int both = rb.BytesCompleted;
            int same = _a.AsSpan(0, both).CommonPrefixLength(_b.AsSpan(0, both));
            if (same < both)
            {
                return Success(d.Len, done + (ulong)same);
            }
            if (!rb.IsOk)
            {
                return Fault(rb, write: false, done);
            }
            if (!ra.IsOk)
            {
                return Fault(ra, write: false, done);
            }
            done += (ulong)n;
        }
        return Success(d.Len, ulong.MaxValue);
    }

    /// <summary>zlib-style chaining: the pattern is the CRC so far (0 to start), so a descriptor that
    /// faulted can be resumed with pattern = its result, from src + bytes_completed.</summary>
    private SvaCompletion Crc(uint pasid, in SvaDescriptor d)
    {
        uint state = ~(uint)d.Pattern;
        for (ulong done = 0; done < d.Len;)
        {
            var chunk = _a.AsSpan(0, (int)Math.Min(ChunkSize, d.Len - done));
            var r = _device.Read(pasid, d.Src + done, chunk);
            state = Crc32C.Update(state, chunk[..r.BytesCompleted]);
            if (!r.IsOk)
            {
                return Fault(r, write: false, done) with { Result = Crc32C.Finish(state) };
            }
            done += (ulong)chunk.Length;
        }
        return Success(d.Len, Crc32C.Finish(state));
    }

    private static SvaCompletion Success(ulong len, ulong result) =>
        new() { Status = SvaStatus.Success, BytesCompleted = len, Result = result };

    /// <summary>A PAGE_FAULT completion for the DMA <paramref name="r"/> issued at offset <paramref name="chunkStart"/> of the operation.</summary>
    private SvaCompletion Fault(DmaResult r, bool write, ulong chunkStart)
    {
        Log.GuestError.Debug("sid {0:x}: descriptor DMA {1}", _device.Sid, r);
        return new SvaCompletion
        {
            Status = SvaStatus.PageFault,
            FaultReason = ReasonOf(r.Reason),
            FaultFlags = write ? SvaCompletion.FaultWrite : (byte)0,
            BytesCompleted = chunkStart + (ulong)r.BytesCompleted,
            FaultAddr = r.FaultVa,
        };
    }

    /// <summary>The ABI's fault codes are fixed values, independent of the model's enum.</summary>
    public static SvaFaultReason ReasonOf(DmaFaultReason reason) => reason switch
    {
        DmaFaultReason.None => SvaFaultReason.None,
        DmaFaultReason.NoTranslation => SvaFaultReason.NoTranslation,
        DmaFaultReason.PriInvalid => SvaFaultReason.PageRequestRefused,
        DmaFaultReason.PriFailure => SvaFaultReason.PageRequestFailed,
        DmaFaultReason.AtsUnsupported => SvaFaultReason.AtsUnsupported,
        DmaFaultReason.InvalidPasid => SvaFaultReason.InvalidPasid,
        DmaFaultReason.TranslationFault => SvaFaultReason.TranslationFault,
        _ => SvaFaultReason.Abort,
    };
}
