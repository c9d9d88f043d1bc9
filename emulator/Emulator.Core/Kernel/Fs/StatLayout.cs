using System.Buffers.Binary;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// Encoders for <c>struct stat</c> (x86-64, 144 bytes) and <c>struct statx</c> (256 bytes), and the
/// statx decoder used for the host's answers.
/// </summary>
/// <remarks>
/// Layouts: arch/x86/include/uapi/asm/stat.h (struct stat: st_dev 0, st_ino 8, st_nlink 16, st_mode 24,
/// st_uid 28, st_gid 32, __pad0 36, st_rdev 40, st_size 48, st_blksize 56, st_blocks 64, st_atime 72,
/// st_atime_nsec 80, st_mtime 88, st_mtime_nsec 96, st_ctime 104, st_ctime_nsec 112, __unused 120..144)
/// and include/uapi/linux/stat.h (struct statx, each statx_timestamp {s64 tv_sec; u32 tv_nsec; s32
/// __reserved}). StatLayoutTests checks every offset against gcc.
/// </remarks>
public static class StatLayout
{
    public const int StatSize = 144;
    public const int StatxSize = 256;

    public const int StDev = 0, StIno = 8, StNlink = 16, StMode = 24, StUid = 28, StGid = 32, StRdev = 40,
        StSize = 48, StBlksize = 56, StBlocks = 64, StAtime = 72, StMtime = 88, StCtime = 104;

    public const int StxMask = 0, StxBlksize = 4, StxAttributes = 8, StxNlink = 16, StxUid = 20, StxGid = 24,
        StxMode = 28, StxIno = 32, StxSize = 40, StxBlocks = 48, StxAttributesMask = 56, StxAtime = 64,
        StxBtime = 80, StxCtime = 96, StxMtime = 112, StxRdevMajor = 128, StxRdevMinor = 132,
        StxDevMajor = 136, StxDevMinor = 140, StxMntId = 144;

    /// <summary>Writes <paramref name="st"/> as struct stat into the first 144 bytes of <paramref name="b"/>.</summary>
    public static void WriteStat(in FileStat st, Span<byte> b)
    {
        b[..StatSize].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(b[StDev..], FileStat.EncodeDev(st.DevMajor, st.DevMinor));
        BinaryPrimitives.WriteUInt64LittleEndian(b[StIno..], st.Ino);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StNlink..], st.Nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StMode..], st.Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StUid..], st.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StGid..], st.Gid);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StRdev..], FileStat.EncodeDev(st.RdevMajor, st.RdevMinor));
        BinaryPrimitives.WriteInt64LittleEndian(b[StSize..], st.Size);
        BinaryPrimitives.WriteInt64LittleEndian(b[StBlksize..], st.BlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(b[StBlocks..], st.Blocks);
        st.Atime.Write(b[StAtime..]);
        st.Mtime.Write(b[StMtime..]);
        st.Ctime.Write(b[StCtime..]);
    }

    /// <summary>Writes <paramref name="st"/> as struct statx. The fields a file system fills are reported
    /// whatever the caller asked (as Linux does: the request mask is a hint); the birth time and mount id
    /// only when <see cref="FileStat.Mask"/> says the source has them.</summary>
    public static void WriteStatx(in FileStat st, Span<byte> b)
    {
        b[..StatxSize].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxMask..], st.Mask);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxBlksize..], (uint)st.BlockSize);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StxAttributes..], st.Attributes);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxNlink..], st.Nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxUid..], st.Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxGid..], st.Gid);
        BinaryPrimitives.WriteUInt16LittleEndian(b[StxMode..], (ushort)st.Mode);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StxIno..], st.Ino);
        BinaryPrimitives.WriteInt64LittleEndian(b[StxSize..], st.Size);
        BinaryPrimitives.WriteInt64LittleEndian(b[StxBlocks..], st.Blocks);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StxAttributesMask..], st.AttributesMask);
        WriteStatxTime(b[StxAtime..], st.Atime);
        WriteStatxTime(b[StxBtime..], (st.Mask & FsAbi.StatxBtime) != 0 ? st.Btime : default);
        WriteStatxTime(b[StxCtime..], st.Ctime);
        WriteStatxTime(b[StxMtime..], st.Mtime);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxRdevMajor..], st.RdevMajor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxRdevMinor..], st.RdevMinor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxDevMajor..], st.DevMajor);
        BinaryPrimitives.WriteUInt32LittleEndian(b[StxDevMinor..], st.DevMinor);
        BinaryPrimitives.WriteUInt64LittleEndian(b[StxMntId..], (st.Mask & FsAbi.StatxMntId) != 0 ? st.MountId : 0);
    }

    /// <summary>Decodes a struct statx (the host's answer).</summary>
    public static FileStat ReadStatx(ReadOnlySpan<byte> b) => new()
    {
        Mask = BinaryPrimitives.ReadUInt32LittleEndian(b[StxMask..]),
        BlockSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(b[StxBlksize..]),
        Attributes = BinaryPrimitives.ReadUInt64LittleEndian(b[StxAttributes..]),
        Nlink = BinaryPrimitives.ReadUInt32LittleEndian(b[StxNlink..]),
        Uid = BinaryPrimitives.ReadUInt32LittleEndian(b[StxUid..]),
        Gid = BinaryPrimitives.ReadUInt32LittleEndian(b[StxGid..]),
        Mode = BinaryPrimitives.ReadUInt16LittleEndian(b[StxMode..]),
        Ino = BinaryPrimitives.ReadUInt64LittleEndian(b[StxIno..]),
        Size = BinaryPrimitives.ReadInt64LittleEndian(b[StxSize..]),
        Blocks = BinaryPrimitives.ReadInt64LittleEndian(b[StxBlocks..]),
        AttributesMask = BinaryPrimitives.ReadUInt64LittleEndian(b[StxAttributesMask..]),
        Atime = ReadStatxTime(b[StxAtime..]),
        Btime = ReadStatxTime(b[StxBtime..]),
        Ctime = ReadStatxTime(b[StxCtime..]),
        Mtime = ReadStatxTime(b[StxMtime..]),
        RdevMajor = BinaryPrimitives.ReadUInt32LittleEndian(b[StxRdevMajor..]),
        RdevMinor = BinaryPrimitives.ReadUInt32LittleEndian(b[StxRdevMinor..]),
        DevMajor = BinaryPrimitives.ReadUInt32LittleEndian(b[StxDevMajor..]),
        DevMinor = BinaryPrimitives.ReadUInt32LittleEndian(b[StxDevMinor..]),
        MountId = BinaryPrimitives.ReadUInt64LittleEndian(b[StxMntId..]),
    };

    private static void WriteStatxTime(Span<byte> b, Timespec t)
    {
        BinaryPrimitives.WriteInt64LittleEndian(b, t.Seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], (uint)t.Nanoseconds);
    }

    private static Timespec ReadStatxTime(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(b), BinaryPrimitives.ReadUInt32LittleEndian(b[8..]));
}
