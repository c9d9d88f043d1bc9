using Emulator.Core.Smmu;
using R = Emulator.Core.Smmu.SmmuRegisters;

namespace Emulator.Core.Iommu;

/// <summary>The event queue consumer (Linux <c>arm_smmu_evtq_thread</c>).</summary>
/// <remarks>SMMUv3 §7.2, §7.4. Records between EVENTQ_CONS and EVENTQ_PROD are read and CONS written
/// back; an overflow (PROD.OVFLG ≠ CONS.OVACKFLG: records were lost) is logged, counted and
/// acknowledged by copying OVFLG into OVACKFLG once drained.</remarks>
public sealed partial class SmmuDriver
{
    /// <summary>The driver's copy of EVENTQ_CONS. Guarded by <see cref="_eventqLock"/>.</summary>
    private QueuePointer _eventqCons;

    /// <summary>Consumes every pending event record, appending it to <paramref name="into"/>.</summary>
    /// <returns>The number of records drained.</returns>
    public int DrainEvents(List<EventRecord> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (!_initialized)
        {
            return 0;
        }
        int drained = 0;
        Span<byte> raw = stackalloc byte[EventRecord.Size];
        lock (_eventqLock)
        {
            var prod = new QueuePointer(Read32(R.EventqProd), _eventqLog2);
            if (prod.Overflow != _eventqCons.Overflow)
            {
                Interlocked.Increment(ref _stats._eventOverflows);
                s_log.Error("EVTQ overflow detected -- events lost");
            }
            while (!QueuePointer.IsEmpty(prod, _eventqCons))
            {
                ulong pa = _eventqPa + _eventqCons.Index * (ulong)EventRecord.Size;
                if (!_memory.TryRead(pa, raw))
                {
                    throw new InvalidOperationException($"event queue at {pa:x} not readable");
                }
                EventRecord record = EventRecord.ReadFrom(raw);
                s_log.Debug("event: {0}", record);
                into.Add(record);
                drained++;
                _eventqCons = _eventqCons.Advance();
                Write32(R.EventqCons, _eventqCons.Raw);
                if (QueuePointer.IsEmpty(prod, _eventqCons))
                {
                    prod = new QueuePointer(Read32(R.EventqProd), _eventqLog2);
                }
            }
            _eventqCons = _eventqCons.WithOverflow(prod.Overflow);
            Write32(R.EventqCons, _eventqCons.Raw);
        }
        Interlocked.Add(ref _stats._events, drained);
        return drained;
    }
}
