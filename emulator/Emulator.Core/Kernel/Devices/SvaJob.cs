using Emulator.Core.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.Core.Kernel.Devices;

/// <summary>
/// One descriptor executed asynchronously, a step at a time: for each chunk (within one page of every
/// buffer it touches) the translation of an access and the access itself are separate steps, so page
/// tables may change — and invalidations arrive — while the access is in flight; then the completion
/// record is written the same way. An invalidation that covers an access in flight drains it through
/// <see cref="Drain"/> (the endpoint's drain rule).
/// </summary>
/// <remarks>Owned by its <see cref="SvaWorkEngine"/>; stepped on the engine's thread only (the kernel's).</remarks>
internal sealed class SvaJob : IDmaDrain
{
    private enum Phase : byte { Start, BeginA, CompleteA, BeginB, CompleteB, Chunk, BeginCompletion, CompleteCompletion, Done }

    private readonly DmaDevice _device;
    private readonly byte[] _a = new byte[Page.Size];
    private readonly byte[] _b = new byte[Page.Size];
    private readonly byte[] _record = new byte[SvaCompletion.Size];
    private SvaDescriptor _d;
    private Phase _phase;
    private ulong _done;
    private int _chunk;
    private uint _crc;
    private SvaCompletion _completion;
    private DmaAccess? _access;
    private byte[] _accessBuffer = [];

    private readonly SvaWorkEngine _engine;

    public SvaJob(DmaDevice device, SvaWorkEngine engine)
    {
        _device = device;
        _engine = engine;
    }

    /// <summary>Completes an access with the job's buffer and tells the engine's observer of a write.</summary>
    private bool CompleteAccess(DmaAccess access, Span<byte> data)
    {
        bool ok = _device.Complete(access, data);
        if (ok && access.Write)
        {
            _engine.Wrote?.Invoke(access.Pa);
        }
        return ok;
    }

    public uint Pasid { get; private set; }

    /// <summary>True once the completion record was written (or could not be).</summary>
    public bool IsDone => _phase == Phase.Done;

    /// <summary>The completion as the device computed it (valid once <see cref="IsDone"/>).</summary>
    public SvaCompletion Result => _completion;

    /// <summary>True when the completion record could not be written (the guest never sees it).</summary>
    public bool CompletionLost { get; private set; }

    /// <summary>Steps taken.</summary>
    public int Steps { get; private set; }

    public void Reset(uint pasid, in SvaDescriptor d)
    {
        Pasid = pasid;
        _d = d;
        _phase = Phase.Start;
        _done = 0;
        _crc = ~(uint)d.Pattern;
        _completion = default;
        _access = null;
        CompletionLost = false;
        Steps = 0;
    }

    /// <summary>Performs one step; returns false once the job is done.</summary>
    public bool Step()
    {
        Steps++;
        switch (_phase)
        {
            case Phase.Start:
                var invalid = _d.Validate();
                if (invalid != SvaInvalidReason.None || _d.Completion == 0 || _d.Completion % SvaAbi.CompletionAlignment != 0)
                {
                    if (_d.Completion == 0 || _d.Completion % SvaAbi.CompletionAlignment != 0)
                    {
                        // Nowhere to report: the descriptor is dropped, as a device drops one whose record address is bad.
                        Log.GuestError.Debug("sid {0:x} pasid {1:x}: portal descriptor with completion 0x{2:x} dropped", _device.Sid, Pasid, _d.Completion);
                        CompletionLost = true;
                        _phase = Phase.Done;
                        return false;
                    }
                    _completion = new SvaCompletion { Status = SvaStatus.Invalid, Result = (ulong)invalid };
                    _phase = Phase.BeginCompletion;
                    return true;
                }
                _phase = Phase.BeginA;
                return true;
            case Phase.BeginA:
                _chunk = ChunkSize();
                return _d.Op == SvaOp.Fill ? BeginB() : Begin(_d.Src + _done, write: false, _a, Phase.CompleteA);
            case Phase.CompleteA:
                return Finish(_a, _d.Op is SvaOp.Copy or SvaOp.Compare ? Phase.BeginB : Phase.Chunk);
            case Phase.BeginB:
                return BeginB();
            case Phase.CompleteB:
                return Finish(_b, Phase.Chunk);
            case Phase.Chunk:
                return EndChunk();
            case Phase.BeginCompletion:
                _completion.Write(_record);
                return Begin(_d.Completion, write: true, _record, Phase.CompleteCompletion, completion: true);
            case Phase.CompleteCompletion:
                CompleteAccess(_access!, _record);
                _access = null;
                _phase = Phase.Done;
                return false;
            default:
                return false;
        }
    }

    /// <summary>The chunk at <see cref="_done"/>: up to the end of the page of every buffer it touches.</summary>
    private int ChunkSize()
    {
        ulong left = _d.Len - _done;
        ulong n = Math.Min(left, (ulong)Page.Size);
        if (_d.Op != SvaOp.Fill)
        {
            n = Math.Min(n, Page.Size - ((_d.Src + _done) & Page.Mask));
        }
        if (_d.Op != SvaOp.Crc32C)
        {
            n = Math.Min(n, Page.Size - ((_d.Dst + _done) & Page.Mask));
        }
        return (int)n;
    }

    private bool BeginB()
    {
        if (_d.Op == SvaOp.Fill)
        {
            // The pattern from the operation's start: byte i of the destination is byte (i mod 8) of it.
            for (int i = 0; i < _chunk; i++)
            {
                _b[i] = (byte)(_d.Pattern >> (int)(8 * ((_done + (ulong)i) & 7)));
            }
        }
        else if (_d.Op == SvaOp.Copy)
        {
            _a.AsSpan(0, _chunk).CopyTo(_b);
        }
        return Begin(_d.Dst + _done, write: _d.Op != SvaOp.Compare, _b, Phase.CompleteB);
    }

    private bool Begin(ulong va, bool write, byte[] buffer, Phase next, bool completion = false)
    {
        var reason = _device.BeginAccess(Pasid, va, write, this, out var access);
        if (reason != DmaFaultReason.None)
        {
            if (completion)
            {
                Log.GuestError.Debug("sid {0:x} pasid {1:x}: completion record at 0x{2:x} unwritable ({3})", _device.Sid, Pasid, va, reason);
                CompletionLost = true;
                _phase = Phase.Done;
                return false;
            }
            _completion = new SvaCompletion
            {
                Status = SvaStatus.PageFault,
                FaultReason = SvaDescriptorEngine.ReasonOf(reason),
                FaultFlags = write ? SvaCompletion.FaultWrite : (byte)0,
                BytesCompleted = _done,
                FaultAddr = va,
                Result = _d.Op == SvaOp.Crc32C ? Crc32C.Finish(_crc) : 0,
            };
            _phase = Phase.BeginCompletion;
            return true;
        }
        _access = access;
        _accessBuffer = buffer;
        _phase = next;
        return true;
    }

    private bool Finish(byte[] buffer, Phase next)
    {
        var access = _access!;
        int n = buffer == _record ? SvaCompletion.Size : _chunk;
        if (!CompleteAccess(access, buffer.AsSpan(0, n)))
        {
            _completion = new SvaCompletion
            {
                Status = SvaStatus.PageFault,
                FaultReason = SvaFaultReason.Abort,
                FaultFlags = access.Write ? SvaCompletion.FaultWrite : (byte)0,
                BytesCompleted = _done,
                FaultAddr = access.Va,
            };
            _access = null;
            _phase = Phase.BeginCompletion;
            return true;
        }
        _access = null;
        _phase = next;
        return true;
    }

    private bool EndChunk()
    {
        switch (_d.Op)
        {
            case SvaOp.Compare:
                int same = _a.AsSpan(0, _chunk).CommonPrefixLength(_b.AsSpan(0, _chunk));
                if (same < _chunk)
                {
                    _completion = new SvaCompletion { Status = SvaStatus.Success, BytesCompleted = _d.Len, Result = _done + (ulong)same };
                    _phase = Phase.BeginCompletion;
                    return true;
                }
                break;
            case SvaOp.Crc32C:
                _crc = Crc32C.Update(_crc, _a.AsSpan(0, _chunk));
                break;
        }
        _done += (ulong)_chunk;
        if (_done < _d.Len)
        {
            _phase = Phase.BeginA;
            return true;
        }
        ulong result = _d.Op switch
        {
            SvaOp.Compare => SvaAbi.CompareEqual,
            SvaOp.Crc32C => Crc32C.Finish(_crc),
            _ => 0,
        };
        _completion = new SvaCompletion { Status = SvaStatus.Success, BytesCompleted = _d.Len, Result = result };
        _phase = Phase.BeginCompletion;
        return true;
    }

    /// <summary>An invalidation covers the access in flight: it completes now, into or from its buffer.</summary>
    public void Drain(DmaAccess access)
    {
        if (access == _access)
        {
            int n = _accessBuffer == _record ? SvaCompletion.Size : _chunk;
            CompleteAccess(access, _accessBuffer.AsSpan(0, n));
        }
    }
}
