using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Emulator.Core.Cpu.Simd;

namespace Emulator.Tests.Cpu.SimdInteger;

/// <summary>The portable lane code a host without the x86 intrinsic runs, checked against the
/// intrinsic the emulator uses here (which the host cross-checks prove right) on seeded random lanes.</summary>
public sealed class PortableLanesTests
{
    [Sse2Fact]
    public void Portable_unpacks_equal_the_SSE2_unpacks()
    {
        var rng = new Random(11);
        LaneOp[] ops = [LaneOp.UnpackLoB, LaneOp.UnpackLoW, LaneOp.UnpackLoD, LaneOp.UnpackLoQ,
            LaneOp.UnpackHiB, LaneOp.UnpackHiW, LaneOp.UnpackHiD, LaneOp.UnpackHiQ];
        var a = new byte[16];
        var b = new byte[16];
        for (int n = 0; n < 200; n++)
        {
            rng.NextBytes(a);
            rng.NextBytes(b);
            foreach (LaneOp op in ops)
            {
                Vector128<byte> x = Vector128.Create(a), y = Vector128.Create(b);
                // Byte for byte the same as the intrinsic (IntegerLanes.Binary takes that path here).
                Assert.Equal(IntegerLanes.Binary(op, x, y, 0, 0), PortableLanes.Unpack(op, x, y));
            }
        }
    }
}
