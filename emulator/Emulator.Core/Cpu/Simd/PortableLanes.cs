using System.Runtime.Intrinsics;

namespace Emulator.Core.Cpu.Simd;

/// <summary>The portable versions of the lane operations <see cref="IntegerLanes"/> runs with an x86
/// intrinsic when the host has it: used on other hosts, and compared with the intrinsic by the tests
/// so that the path a non-x86 host takes is checked too.</summary>
internal static class PortableLanes
{
    /// <summary>PUNPCKL*/PUNPCKH*: elements of the low (or high) halves of <paramref name="a"/> and
    /// <paramref name="b"/> interleaved, a's first.</summary>
    /// <param name="op">One of the UnpackLo*/UnpackHi* operations.</param>
    /// <param name="a">First source.</param>
    /// <param name="b">Second source.</param>
    public static Vector128<byte> Unpack(LaneOp op, Vector128<byte> a, Vector128<byte> b)
    {
        (int size, bool high) = op switch
        {
            LaneOp.UnpackLoB => (1, false), LaneOp.UnpackLoW => (2, false), LaneOp.UnpackLoD => (4, false),
            LaneOp.UnpackLoQ => (8, false), LaneOp.UnpackHiB => (1, true), LaneOp.UnpackHiW => (2, true),
            LaneOp.UnpackHiD => (4, true), LaneOp.UnpackHiQ => (8, true),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an unpack"),
        };
        Vector128<byte> r = default;
        int half = high ? 8 : 0;
        for (int k = 0; k < 16; k++)
        {
            int element = k / size, inElement = k % size;
            ref Vector128<byte> src = ref (element & 1) == 0 ? ref a : ref b;
            IntegerLanes.At<byte>(ref r, k) = IntegerLanes.At<byte>(ref src, half + (element >> 1) * size + inElement);
        }
        return r;
    }
}
