using System.IO.Pipelines;
using Emulator.Board.Usb.Native;

namespace Emulator.Board.Usb;

public sealed partial class UsbTransport
{
    /// <summary>Sends one flush as bulk OUT transfers of at most the transfer size, one at a time.</summary>
    /// <remarks>No zero-length packet ends a transfer that is a multiple of the packet size: the board
    /// reads a byte stream and never looks at transfer boundaries (docs/wire-protocol.md).</remarks>
    private async ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int offset = 0;
        bool stallRetried = false;
        while (offset < data.Length)
        {
            if (_unplugged)
            {
                throw new IOException($"{Description}: the board was unplugged");
            }
            int length = Math.Min(_transferSize, data.Length - offset);
            _outSlot.Load(data.Span.Slice(offset, length));
            var done = _output.Arm();
            int rc = Submit(_outSlot, length);
            if (rc == Closing)
            {
                throw new IOException($"{Description}: the connection is closing");
            }
            if (rc == (int)LibUsbError.NoDevice)
            {
                OnUnplugged();
                throw new IOException($"{Description}: the board was unplugged");
            }
            if (rc != 0)
            {
                throw new IOException($"{Description}: submitting a bulk OUT transfer failed: {LibUsb.ErrorName(rc)}");
            }
            LibUsbTransferStatus status;
            using (cancellationToken.UnsafeRegister(static o => ((UsbTransport)o!).CancelOut(), this))
            {
                status = await done.ConfigureAwait(false);
            }
            int actual = _outSlot.ActualLength;
            offset += actual;
            switch (status)
            {
                case LibUsbTransferStatus.Completed:
                    stallRetried = false;
                    if (actual == 0)
                    {
                        throw new IOException($"{Description}: bulk OUT on endpoint 0x{_out.Endpoint:x2} completed without sending anything");
                    }
                    continue;
                case LibUsbTransferStatus.Stall when !stallRetried:
                    stallRetried = true;
                    s_log.Warn("{0}: bulk OUT endpoint 0x{1:x2} stalled; clearing the halt and retrying", Description, _out.Endpoint);
                    rc = LibUsb.ClearHalt(_handle, _out.Endpoint);
                    if (rc < 0)
                    {
                        throw new IOException($"{Description}: clearing the halt of endpoint 0x{_out.Endpoint:x2} failed: {LibUsb.ErrorName(rc)}");
                    }
                    continue; // the rest of this transfer, once more
                case LibUsbTransferStatus.Stall:
                    throw new IOException($"{Description}: bulk OUT endpoint 0x{_out.Endpoint:x2} stalled again after its halt was cleared");
                case LibUsbTransferStatus.TimedOut:
                    throw new IOException($"{Description}: bulk OUT on endpoint 0x{_out.Endpoint:x2} timed out after {_timeout.TotalMilliseconds:0} ms ({offset} of {data.Length} bytes sent)");
                case LibUsbTransferStatus.NoDevice:
                    OnUnplugged();
                    throw new IOException($"{Description}: the board was unplugged");
                case LibUsbTransferStatus.Cancelled:
                    cancellationToken.ThrowIfCancellationRequested();
                    if (_output.TakeCancelRequest())
                    {
                        return new FlushResult(isCanceled: true, isCompleted: false);
                    }
                    throw new IOException($"{Description}: the connection was closed during a send");
                default:
                    throw new IOException($"{Description}: bulk OUT on endpoint 0x{_out.Endpoint:x2} failed: {status}");
            }
        }
        return new FlushResult(isCanceled: false, isCompleted: false);
    }

    private void CancelOut()
    {
        lock (_submitLock)
        {
            _outSlot.CancelIfInFlight();
        }
    }

    /// <summary><see cref="Output"/>: flushes become bulk OUT transfers.</summary>
    private sealed class OutWriter(UsbTransport owner) : TransferWriter(owner._transferSize)
    {
        private TaskCompletionSource<LibUsbTransferStatus>? _done;
        private int _cancelRequested;

        /// <summary>A completion for the next OUT transfer. Sender thread only.</summary>
        public Task<LibUsbTransferStatus> Arm()
        {
            // Continuations leave the event thread: the sender must never run on it.
            var done = new TaskCompletionSource<LibUsbTransferStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _done, done);
            return done.Task;
        }

        /// <summary>Event thread: the OUT transfer called back.</summary>
        public void OnOutComplete(LibUsbTransferStatus status) => Volatile.Read(ref _done)?.TrySetResult(status);

        public bool TakeCancelRequest() => Interlocked.Exchange(ref _cancelRequested, 0) != 0;

        protected override ValueTask<FlushResult> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (TakeCancelRequest())
            {
                return ValueTask.FromResult(new FlushResult(isCanceled: true, isCompleted: false));
            }
            return owner.SendAsync(data, cancellationToken);
        }

        protected override void OnCancelPendingFlush()
        {
            Interlocked.Exchange(ref _cancelRequested, 1);
            owner.CancelOut();
        }

        protected override void OnCompleted(Exception? exception)
        {
            // Completing the output does not close the device: DisposeAsync does.
        }
    }
}
