using System.Diagnostics;
using Emulator.Core.Diagnostics;

namespace Emulator.Core.Smmu;

/// <summary>The event queue producer.</summary>
/// <remarks>
/// <para>SMMUv3 §3.5 (queues), §7.2 (event queue recording), §7.4 (overflow). Records are written at
/// EVENTQ_PROD and PROD advances with wrap. Nothing is recorded while CR0.EVENTQEN is 0 (the record is
/// discarded without overflow). When the queue is full the record is discarded and, unless an overflow
/// condition is already present (PROD.OVFLG ≠ CONS.OVACKFLG), PROD.OVFLG is toggled; software
/// acknowledges by copying OVFLG into CONS.OVACKFLG. Unlike the PRI queue, an unacknowledged overflow
/// does not stop recording once space is free.</para>
/// <para>A record write that aborts (a base outside RAM) raises GERROR.EVENTQ_ABT_ERR; the record is
/// lost and PROD does not move (this model's choice: the spec leaves the queue's state after the
/// abort to software recovery).</para>
/// </remarks>
public sealed partial class SmmuDevice
{
    /// <summary>Records <paramref name="record"/> and signals the host as IRQ_CTRL asks.</summary>
    private void RecordEvent(in EventRecord record)
    {
        bool signalEvent;
        bool signalGError = false;
        lock (_lock)
        {
            signalEvent = WriteEventLocked(record, ref signalGError);
        }
        if (signalGError)
        {
            SignalGError();
        }
        if (signalEvent)
        {
            EventInterrupt?.Invoke();
        }
    }

    /// <returns>true when the event queue interrupt should be signalled.</returns>
    private bool WriteEventLocked(in EventRecord record, ref bool signalGError)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (!Cr0Ack.EventqEnabled)
        {
            Interlocked.Increment(ref _eventsDiscarded);
            return false;
        }
        var qbase = new QueueBase(_rEventqBase);
        int log2 = qbase.EffectiveLog2Size(_idr1.EventqLog2Size);
        var prod = new QueuePointer(_rEventqProd, log2);
        var cons = new QueuePointer(_rEventqCons, log2);
        if (QueuePointer.IsFull(prod, cons))
        {
            if (prod.Overflow == cons.Overflow)
            {
                _rEventqProd = prod.WithOverflow(!prod.Overflow).Raw;
            }
            Interlocked.Increment(ref _eventsDiscarded);
            Log.GuestError.Debug("smmu: event queue full, {0} discarded", record);
            return false;
        }
        Span<byte> raw = stackalloc byte[EventRecord.Size];
        record.WriteTo(raw);
        ulong pa = qbase.EffectiveAddress(EventRecord.Size, _idr1.EventqLog2Size) + prod.Index * (ulong)EventRecord.Size;
        if (!_memory.TryWrite(pa, raw))
        {
            Interlocked.Increment(ref _eventsDiscarded);
            Log.GuestError.Debug("smmu: event queue write at {0:x} aborted", pa);
            signalGError |= RaiseGErrorLocked(GError.EventqAbtErr);
            return false;
        }
        _rEventqProd = prod.Advance().Raw;
        Interlocked.Increment(ref _eventsRecorded);
        return (_rIrqCtrl & SmmuRegisters.IrqCtrlEventqIrqEn) != 0;
    }
}
