using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;

namespace Emulator.Core.Wire;

/// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and xor-out 0xFFFFFFFF).</summary>
/// <remarks>
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> is the raw reflected update step (SSE4.2 <c>crc32</c>
/// / ARMv8 <c>crc32c*</c> where available, a software table otherwise); the init and final inversion
/// are ours. Check value: CRC32C("123456789") = 0xE3069283 (RFC 3720 §B.4 polynomial).
/// </remarks>
public static class Crc32C
{
    public const uint InitialState = 0xFFFF_FFFF;

    /// <summary>The CRC of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(InitialState, data));

    /// <summary>The CRC of every byte of <paramref name="data"/>, whatever its segmentation.</summary>
    public static uint Compute(in ReadOnlySequence<byte> data)
    {
        uint state = InitialState;
        foreach (ReadOnlyMemory<byte> segment in data)
            state = Update(state, segment.Span);
        return Finish(state);
    }

    /// <summary>Feeds <paramref name="data"/> into a running state started at <see cref="InitialState"/>.</summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        while (data.Length >= sizeof(ulong))
        {
            state = BitOperations.Crc32C(state, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (byte b in data)
            state = BitOperations.Crc32C(state, b);
        return state;
    }

    public static uint Finish(uint state) => ~state;
}
