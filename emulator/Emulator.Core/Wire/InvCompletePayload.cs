using System.Buffers.Binary;

namespace Emulator.Core.Wire;

/// <summary>INV_COMPLETE: the ATC_INVs with these itags are complete (PCIe Base Spec §10.3.2 Invalidate
/// Completion, which carries a 32-bit ITag vector; ours carries a list because the board's itags are
/// 16 bits wide and its outstanding limit, from CAPS, may exceed 32).</summary>
/// <remarks>
/// <code>
/// off size field
///   0  2   count      ≤ MaxItags
///   2  2   reserved   0
///   4  2×n itags      u16 each
/// </code>
/// A <c>ref struct</c> over the received bytes, so that reading a long completion list allocates nothing;
/// build one with <see cref="Write(Span{byte}, ReadOnlySpan{ushort})"/>.
/// </remarks>
public readonly ref struct InvCompletePayload
{
    public const int HeaderSize = 4;
    public const int MaxItags = (FrameCodec.MaxPayload - HeaderSize) / sizeof(ushort);

    private readonly ReadOnlySpan<byte> _itags;

    private InvCompletePayload(ReadOnlySpan<byte> itags) => _itags = itags;

    public int Count => _itags.Length / sizeof(ushort);

    public ushort this[int index] => BinaryPrimitives.ReadUInt16LittleEndian(_itags.Slice(index * sizeof(ushort), sizeof(ushort)));

    public static int SizeFor(int count) => HeaderSize + count * sizeof(ushort);

    public static bool TryRead(ReadOnlySpan<byte> payload, out InvCompletePayload value)
    {
        value = default;
        if (payload.Length < HeaderSize)
            return false;
        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        if (count > MaxItags || BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]) != 0 || payload.Length < SizeFor(count))
            return false;
        value = new InvCompletePayload(payload.Slice(HeaderSize, count * sizeof(ushort)));
        return true;
    }

    /// <summary>Writes a completion for <paramref name="itags"/>; returns the payload size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="MaxItags"/> itags.</exception>
    public static int Write(Span<byte> destination, ReadOnlySpan<ushort> itags)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(itags.Length, MaxItags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)itags.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], 0);
        for (int i = 0; i < itags.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(destination[(HeaderSize + i * sizeof(ushort))..], itags[i]);
        return SizeFor(itags.Length);
    }
}
