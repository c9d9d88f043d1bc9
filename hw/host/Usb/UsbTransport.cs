using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Emulator.Board.Config;
using Emulator.Board.Transport;
using Emulator.Board.Usb.Native;
using Emulator.Core.Diagnostics;

namespace Emulator.Board.Usb;

/// <summary>
/// A board connection over USB bulk endpoints through libusb-1.0: <see cref="UsbConfig.TransfersInFlight"/>
/// bulk IN transfers of <see cref="UsbConfig.TransferSize"/> are always queued and feed
/// <see cref="Input"/>; each flush of <see cref="Output"/> goes out as one or more bulk OUT transfers of at
/// most <see cref="UsbConfig.TransferSize"/> bytes. Made by <see cref="UsbConnector"/>.
/// </summary>
/// <remarks>
/// <para><b>Threads.</b> A dedicated thread runs <c>libusb_handle_events_timeout_completed</c>; every
/// transfer callback runs there. IN completions are copied into the input pipe and the transfer is
/// resubmitted at once, so the board always finds a transfer to complete. The input pipe never pushes
/// back (no pause threshold): the board only sends what answers the host's own frames, so what waits
/// there is bounded by what the host asked for. The sender (the flushing thread) waits for each OUT
/// transfer before the next, so frames leave in order and a flush's transfer boundaries do not depend
/// on timing.</para>
/// <para><b>Errors.</b> A STALL clears the halt (<c>libusb_clear_halt</c>) and retries once; a second
/// STALL in a row fails the transfer. A bulk OUT that times out (<see cref="UsbConfig.Timeout"/>) fails
/// the flush with an <see cref="IOException"/>. IN transfers have no timeout: an idle board is normal.
/// Unplugging (LIBUSB_ERROR_NO_DEVICE, LIBUSB_TRANSFER_NO_DEVICE) completes <see cref="Input"/>, which
/// tells the owner to dispose this transport and reconnect; other IN failures complete it with an
/// <see cref="IOException"/>.</para>
/// <para><b>Capture.</b> With a <see cref="UsbmonPcapWriter"/>, every submit and completion is recorded
/// as usbmon events with the device's real bus and address.</para>
/// </remarks>
public sealed partial class UsbTransport : IBoardTransport
{
    private static readonly NLog.Logger s_log = Log.For("Board.Usb");

    private readonly nint _context;
    private readonly nint _handle;
    private readonly int _interface;
    private readonly int _transferSize;
    private readonly TimeSpan _timeout;
    private readonly UsbmonEndpoint _in;
    private readonly UsbmonEndpoint _out;
    private readonly UsbmonPcapWriter? _pcap;
    private readonly Pipe _input = new(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
    private readonly OutWriter _output;
    private readonly Slot[] _inSlots;
    private readonly Slot _outSlot;
    private readonly Thread _events;

    /// <summary>Guards <see cref="_closing"/>, <see cref="_active"/> and every slot's <c>InFlight</c>:
    /// a transfer is submitted, cancelled or marked done only under it, so disposal never misses one.</summary>
    private readonly Lock _submitLock = new();
    private bool _closing;
    private int _active;
    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Guards the input pipe's writer and <see cref="_inputDone"/>: the event thread writes,
    /// disposal and failures complete it.</summary>
    private readonly Lock _inputLock = new();
    private bool _inputDone;

    private volatile bool _unplugged;
    private volatile bool _stopEvents;
    private int _disposed;

    internal unsafe UsbTransport(nint context, nint handle, UsbConfig config, byte bus, byte device, string description, UsbmonPcapWriter? pcap)
    {
        _context = context;
        _handle = handle;
        _interface = config.Interface;
        _transferSize = config.TransferSize;
        _timeout = config.Timeout;
        _in = new UsbmonEndpoint(bus, device, config.EndpointIn);
        _out = new UsbmonEndpoint(bus, device, config.EndpointOut);
        _pcap = pcap;
        Description = description;
        _output = new OutWriter(this);
        _inSlots = new Slot[config.TransfersInFlight];
        for (int i = 0; i < _inSlots.Length; i++)
        {
            _inSlots[i] = new Slot(this, config.EndpointIn, _transferSize, timeoutMs: 0);
        }
        _outSlot = new Slot(this, config.EndpointOut, _transferSize, (uint)Math.Max(1, _timeout.TotalMilliseconds));
        _events = new Thread(PumpEvents) { IsBackground = true, Name = "usb events " + description };
        _events.Start();
        foreach (var slot in _inSlots)
        {
            Resubmit(slot);
        }
    }

    /// <summary>"usb 1d50:6199 serial FPGA-07 (bus 1 device 4)".</summary>
    public string Description { get; }

    public PipeReader Input => _input.Reader;

    public PipeWriter Output => _output;

    /// <summary>Was the board unplugged (a transfer or submit reported no device)?</summary>
    public bool Unplugged => _unplugged;

    private unsafe void PumpEvents()
    {
        while (!_stopEvents)
        {
            var tv = new LibUsb.TimeVal { Microseconds = 100_000 };
            int rc = LibUsb.HandleEventsTimeoutCompleted(_context, ref tv, null);
            if (rc < 0 && rc != (int)LibUsbError.Interrupted && rc != (int)LibUsbError.Timeout)
            {
                Fail($"libusb_handle_events failed: {LibUsb.ErrorName(rc)}");
                // Keep handling events, so that cancellations complete and disposal can free the
                // transfers; back off so a persistent error does not spin.
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Submits <paramref name="slot"/> for <paramref name="length"/> bytes (OUT: already in its
    /// buffer) and records the submit.</summary>
    /// <returns>0, a <see cref="LibUsbError"/> code, or <see cref="Closing"/> when the transport is closing.</returns>
    private unsafe int Submit(Slot slot, int length)
    {
        lock (_submitLock)
        {
            if (_closing)
            {
                return Closing;
            }
            slot.Transfer->Length = length;
            slot.Transfer->ActualLength = 0;
            var where = slot.IsIn ? _in : _out;
            if (_pcap is not null)
            {
                slot.UrbId = _pcap.NewUrbId();
                if (slot.IsIn)
                {
                    _pcap.SubmitBulkIn(slot.UrbId, where, length);
                }
                else
                {
                    _pcap.SubmitBulkOut(slot.UrbId, where, new ReadOnlySpan<byte>(slot.Buffer, length));
                }
            }
            int rc = LibUsb.SubmitTransfer(slot.Transfer);
            if (rc == 0)
            {
                slot.InFlight = true;
                _active++;
            }
            else
            {
                _pcap?.SubmitError(slot.UrbId, where, rc == (int)LibUsbError.NoDevice ? -19 : -71, length);
            }
            return rc;
        }
    }

    private const int Closing = int.MinValue;

    [UnmanagedCallersOnly]
    private unsafe static void OnTransferComplete(LibUsbTransfer* transfer)
    {
        if (GCHandle.FromIntPtr(transfer->UserData).Target is not Slot slot)
        {
            return;
        }
        try
        {
            slot.Owner.OnComplete(slot);
        }
        catch (Exception e)
        {
            // Nothing may unwind into libusb; a bug here must not take the event thread down.
            s_log.Error(e, "{0}: transfer callback failed", slot.Owner.Description);
        }
    }

    private unsafe void OnComplete(Slot slot)
    {
        var status = slot.Transfer->Status;
        int actual = slot.Transfer->ActualLength;
        if (_pcap is not null)
        {
            int errno = UsbmonPcapWriter.StatusOf(status);
            if (slot.IsIn)
            {
                _pcap.CompleteBulkIn(slot.UrbId, _in, errno, new ReadOnlySpan<byte>(slot.Buffer, actual));
            }
            else
            {
                _pcap.CompleteBulkOut(slot.UrbId, _out, errno, actual);
            }
        }
        lock (_submitLock)
        {
            slot.InFlight = false;
            if (--_active == 0 && _closing)
            {
                _idle.TrySetResult();
            }
        }
        if (slot.IsIn)
        {
            OnInComplete(slot, status, actual);
        }
        else
        {
            _output.OnOutComplete(status);
        }
    }

    private unsafe void OnInComplete(Slot slot, LibUsbTransferStatus status, int actual)
    {
        if (actual > 0)
        {
            Deliver(new ReadOnlySpan<byte>(slot.Buffer, actual));
        }
        switch (status)
        {
            case LibUsbTransferStatus.Completed:
                slot.StallRetried = false;
                Resubmit(slot);
                return;
            case LibUsbTransferStatus.TimedOut:
                Resubmit(slot);
                return;
            case LibUsbTransferStatus.Cancelled:
                return; // closing
            case LibUsbTransferStatus.Stall when !slot.StallRetried:
                slot.StallRetried = true;
                s_log.Warn("{0}: bulk IN endpoint 0x{1:x2} stalled; clearing the halt", Description, _in.Endpoint);
                // libusb_clear_halt is synchronous: never call it on the event thread, which it needs.
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Owner.ClearHaltAndResubmit(s), slot, preferLocal: false);
                return;
            case LibUsbTransferStatus.Stall:
                Fail($"bulk IN endpoint 0x{_in.Endpoint:x2} stalled again after its halt was cleared");
                return;
            case LibUsbTransferStatus.NoDevice:
                OnUnplugged();
                return;
            default:
                Fail($"bulk IN on endpoint 0x{_in.Endpoint:x2} failed: {status}");
                return;
        }
    }

    private void ClearHaltAndResubmit(Slot slot)
    {
        int rc = LibUsb.ClearHalt(_handle, _in.Endpoint);
        if (rc == (int)LibUsbError.NoDevice)
        {
            OnUnplugged();
        }
        else if (rc < 0)
        {
            Fail($"clearing the halt of endpoint 0x{_in.Endpoint:x2} failed: {LibUsb.ErrorName(rc)}");
        }
        else
        {
            Resubmit(slot);
        }
    }

    private void Resubmit(Slot slot)
    {
        lock (_inputLock)
        {
            if (_inputDone)
            {
                return; // nobody reads any more: let the transfer rest
            }
        }
        int rc = Submit(slot, _transferSize);
        if (rc == (int)LibUsbError.NoDevice)
        {
            OnUnplugged();
        }
        else if (rc != 0 && rc != Closing)
        {
            Fail($"submitting a bulk IN transfer failed: {LibUsb.ErrorName(rc)}");
        }
    }

    private void Deliver(ReadOnlySpan<byte> data)
    {
        lock (_inputLock)
        {
            if (_inputDone)
            {
                return;
            }
            data.CopyTo(_input.Writer.GetSpan(data.Length));
            _input.Writer.Advance(data.Length);
            // No pause threshold: the flush completes synchronously.
            var flush = _input.Writer.FlushAsync();
            if (flush.IsCompletedSuccessfully && flush.Result.IsCompleted)
            {
                _inputDone = true; // the reader completed: it is closing this transport
            }
        }
    }

    private void OnUnplugged()
    {
        if (!_unplugged)
        {
            _unplugged = true;
            s_log.Warn("{0}: the board was unplugged", Description);
        }
        CompleteInput(null);
    }

    private void Fail(string why)
    {
        s_log.Warn("{0}: {1}", Description, why);
        CompleteInput(new IOException($"{Description}: {why}"));
    }

    private void CompleteInput(Exception? error)
    {
        lock (_inputLock)
        {
            if (_inputDone)
            {
                return;
            }
            _inputDone = true;
            _input.Writer.Complete(error);
        }
    }

    /// <summary>Closes the connection: cancels every transfer and waits for their callbacks, stops the
    /// event thread, releases the interface, closes the device and the libusb context, and completes both
    /// pipes. Unflushed output is discarded. Idempotent; never throws for a device that is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        lock (_submitLock)
        {
            _closing = true;
            foreach (var slot in _inSlots)
            {
                slot.CancelIfInFlight();
            }
            _outSlot.CancelIfInFlight();
            if (_active == 0)
            {
                _idle.TrySetResult();
            }
        }
        bool idle = await _idle.Task.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default).ConfigureAwait(false);
        _stopEvents = true;
        _events.Join();
        LibUsb.ReleaseInterface(_handle, _interface); // fails harmlessly on an unplugged device
        LibUsb.Close(_handle);
        if (idle)
        {
            foreach (var slot in _inSlots)
            {
                slot.Free();
            }
            _outSlot.Free();
            LibUsb.Exit(_context);
        }
        else
        {
            // libusb still owns transfers that never called back: freeing them (or the context) could
            // crash, so they are leaked; this needs a libusb or kernel bug to happen.
            s_log.Error("{0}: {1} transfers did not complete after cancellation; leaking them", Description, Volatile.Read(ref _active));
        }
        CompleteInput(null);
        _output.Complete();
    }

    public override string ToString() => Description;
}
