using Emulator.Core.Kernel.Devices;

namespace Emulator.Tests.Kernel;

/// <summary>The ioctl numbers and struct layouts guests compile against (docs/guest-abi.md, sva.h).</summary>
public class SvaAbiLayoutTests
{
    [Fact]
    public void Ioctl_encoding_matches_Linux_for_known_commands()
    {
        Assert.Equal(0x8008_1272u, IoctlCommand.Ior((char)0x12, 114, 8)); // BLKGETSIZE64 = _IOR(0x12, 114, size_t)
        Assert.Equal(0xC040_6400u, IoctlCommand.Iowr('d', 0x00, 64)); // DRM_IOCTL_VERSION on x86-64
        Assert.Equal(0x4004_6602u, IoctlCommand.Iow('f', 2, 4)); // FS_IOC32_SETFLAGS = _IOW('f', 2, int)
        Assert.Equal(0x0000_AE00u, IoctlCommand.Io((char)0xAE, 0x00)); // KVM_GET_API_VERSION
    }

    [Fact]
    public void The_sva_ioctl_numbers_are_stable()
    {
        Assert.Equal(0x5301u, SvaAbi.Bind); // the value in docs/guest-abi.md and sva.h
        Assert.Equal(SvaAbi.Bind, IoctlCommand.Io('S', 1)); // _IO('S', 1)
        Assert.Equal(0xC040_5302u, SvaAbi.Submit);
        Assert.Equal(SvaAbi.Submit, IoctlCommand.Iowr('S', 2, SvaDescriptor.Size)); // _IOWR('S', 2, struct sva_desc)
        Assert.Equal(3u, IoctlCommand.Dir(SvaAbi.Submit)); // read|write
        Assert.Equal((uint)'S', IoctlCommand.Type(SvaAbi.Submit));
        Assert.Equal(2u, IoctlCommand.Nr(SvaAbi.Submit));
        Assert.Equal(64u, IoctlCommand.Size(SvaAbi.Submit)); // sizeof(struct sva_desc)
        Assert.Equal("/dev/sva0", SvaAbi.DevicePath(0));
    }

    [Fact]
    public void Descriptor_fields_sit_at_their_documented_offsets()
    {
        var d = new SvaDescriptor
        {
            Op = SvaOp.Crc32C, Flags = 0xA0B0C0D0, Src = 0x1122_3344_5566_7788, Dst = 0x0102_0304_0506_0708, Len = 0x1000,
            Pattern = 0xE306_9283, Completion = 0x7fff_0000_0040, Reserved0 = 0x99, Reserved1 = 0xAA,
        };
        var b = new byte[SvaDescriptor.Size];
        d.Write(b);

        byte[] expected =
        [
            0x04, 0, 0, 0, 0xD0, 0xC0, 0xB0, 0xA0,                 // op CRC32C @0, flags @4
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,        // src @8
            0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,        // dst @16
            0x00, 0x10, 0, 0, 0, 0, 0, 0,                          // len @24
            0x83, 0x92, 0x06, 0xE3, 0, 0, 0, 0,                    // pattern @32
            0x40, 0x00, 0x00, 0x00, 0xff, 0x7f, 0, 0,              // completion @40
            0x99, 0, 0, 0, 0, 0, 0, 0, 0xAA, 0, 0, 0, 0, 0, 0, 0,  // reserved[2] @48
        ];
        Assert.Equal(expected, b);
        Assert.Equal(d, SvaDescriptor.Read(b));
    }

    [Fact]
    public void Completion_fields_sit_at_their_documented_offsets()
    {
        var c = new SvaCompletion
        {
            Status = SvaStatus.PageFault, FaultReason = SvaFaultReason.PageRequestRefused, FaultFlags = SvaCompletion.FaultWrite,
            BytesCompleted = 0x2000, FaultAddr = 0x7f00_0000_2000, Result = 0xFFFF_FFFF_FFFF_FFFF,
        };
        var b = new byte[SvaCompletion.Size];
        c.Write(b);

        byte[] expected =
        [
            0x02, 0, 0, 0, 0x02, 0x01, 0, 0,                       // status PAGE_FAULT @0, fault_reason @4, fault_flags @5, reserved @6
            0x00, 0x20, 0, 0, 0, 0, 0, 0,                          // bytes_completed @8
            0x00, 0x20, 0, 0, 0, 0x7f, 0, 0,                       // fault_addr @16
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,        // result @24
        ];
        Assert.Equal(expected, b);
        Assert.Equal(c, SvaCompletion.Read(b));
    }

    private static readonly SvaDescriptor s_copy = new() { Op = SvaOp.Copy, Src = 0x10000, Dst = 0x20000, Len = 0x100 };

    public static TheoryData<string, SvaInvalidReason> InvalidCases => new()
    {
        { "op 0", SvaInvalidReason.Op },
        { "op 5", SvaInvalidReason.Op },
        { "flags", SvaInvalidReason.Flags },
        { "len 0", SvaInvalidReason.Length },
        { "len above 1 GiB", SvaInvalidReason.Length },
        { "src wraps", SvaInvalidReason.Source },
        { "fill with src", SvaInvalidReason.Source },
        { "crc with dst", SvaInvalidReason.Destination },
        { "copy with pattern", SvaInvalidReason.Pattern },
        { "crc seed above 32 bits", SvaInvalidReason.Pattern },
        { "reserved", SvaInvalidReason.Reserved },
        { "overlap", SvaInvalidReason.Overlap },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Validation_names_the_offending_field(string name, SvaInvalidReason expected)
    {
        var d = name switch
        {
            "op 0" => s_copy with { Op = 0 },
            "op 5" => s_copy with { Op = (SvaOp)5 },
            "flags" => s_copy with { Flags = 1 },
            "len 0" => s_copy with { Len = 0 },
            "len above 1 GiB" => s_copy with { Len = SvaAbi.MaxLength + 1 },
            "src wraps" => s_copy with { Src = ulong.MaxValue - 0x10 },
            "fill with src" => s_copy with { Op = SvaOp.Fill },
            "crc with dst" => s_copy with { Op = SvaOp.Crc32C },
            "copy with pattern" => s_copy with { Pattern = 1 },
            "crc seed above 32 bits" => s_copy with { Op = SvaOp.Crc32C, Dst = 0, Pattern = 1UL << 32 },
            "reserved" => s_copy with { Reserved1 = 1 },
            "overlap" => s_copy with { Dst = s_copy.Src + 0xFF },
            _ => throw new ArgumentException(name),
        };

        Assert.Equal(expected, d.Validate());
    }

    [Fact]
    public void Well_formed_descriptors_of_each_op_validate()
    {
        Assert.Equal(SvaInvalidReason.None, s_copy.Validate());
        Assert.Equal(SvaInvalidReason.None, (s_copy with { Dst = s_copy.Src + 0x100 }).Validate()); // adjacent is not overlap
        Assert.Equal(SvaInvalidReason.None, (s_copy with { Op = SvaOp.Fill, Src = 0, Pattern = ulong.MaxValue }).Validate());
        Assert.Equal(SvaInvalidReason.None, (s_copy with { Op = SvaOp.Compare, Dst = s_copy.Src }).Validate()); // comparing a range with itself is fine
        Assert.Equal(SvaInvalidReason.None, (s_copy with { Op = SvaOp.Crc32C, Dst = 0, Pattern = uint.MaxValue }).Validate());
    }
}
