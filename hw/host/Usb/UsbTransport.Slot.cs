using System.Runtime.InteropServices;
using Emulator.Board.Usb.Native;

namespace Emulator.Board.Usb;

public sealed partial class UsbTransport
{
    /// <summary>One libusb transfer with its native buffer, reused for every submission on its endpoint.
    /// Native memory, so nothing needs pinning while libusb holds the buffer.</summary>
    private sealed unsafe class Slot
    {
        private GCHandle _self;

        public Slot(UsbTransport owner, byte endpoint, int capacity, uint timeoutMs)
        {
            Owner = owner;
            IsIn = (endpoint & 0x80) != 0;
            Transfer = LibUsb.AllocTransfer(0);
            if (Transfer is null)
            {
                throw new OutOfMemoryException("libusb_alloc_transfer failed");
            }
            Buffer = (byte*)NativeMemory.Alloc((nuint)capacity);
            _self = GCHandle.Alloc(this);
            LibUsb.FillBulkTransfer(Transfer, owner._handle, endpoint, Buffer, capacity, &OnTransferComplete, GCHandle.ToIntPtr(_self), timeoutMs);
        }

        public UsbTransport Owner { get; }
        public bool IsIn { get; }
        public LibUsbTransfer* Transfer { get; private set; }
        public byte* Buffer { get; private set; }

        /// <summary>Submitted and not yet called back. Under the owner's submit lock.</summary>
        public bool InFlight;

        /// <summary>The last completion was a STALL whose halt was cleared (event thread only).</summary>
        public bool StallRetried;

        /// <summary>usbmon id of the current submission (capture only).</summary>
        public ulong UrbId;

        /// <summary>Bytes the last completed submission moved.</summary>
        public int ActualLength => Transfer->ActualLength;

        /// <summary>Copies OUT data into the buffer (at most its capacity).</summary>
        public void Load(ReadOnlySpan<byte> data) => data.CopyTo(new Span<byte>(Buffer, data.Length));

        /// <summary>Caller holds the owner's submit lock.</summary>
        public void CancelIfInFlight()
        {
            if (InFlight)
            {
                LibUsb.CancelTransfer(Transfer); // NOT_FOUND if it is completing right now: fine
            }
        }

        /// <summary>Only once no callback can come any more.</summary>
        public void Free()
        {
            if (Transfer is null)
            {
                return;
            }
            LibUsb.FreeTransfer(Transfer);
            NativeMemory.Free(Buffer);
            _self.Free();
            Transfer = null;
            Buffer = null;
        }
    }
}
