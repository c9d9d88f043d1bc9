using System.Buffers.Binary;
using System.Text;

namespace Emulator.Core.Kernel.Fs;

/// <summary>
/// <c>struct linux_dirent64</c> (getdents64: d_ino u64 at 0, d_off s64 at 8, d_reclen u16 at 16, d_type
/// u8 at 18, d_name at 19) and the old <c>struct linux_dirent</c> (getdents: d_ino at 0, d_off at 8,
/// d_reclen at 16, d_name at 18, then a NUL, padding and d_type in the record's last byte).
/// </summary>
/// <remarks>fs/readdir.c: records are padded to 8 bytes (sizeof(u64) alignment; ALIGN(offsetof(d_name) +
/// namlen + 1 (+1 for the old format's type byte), sizeof(long))).</remarks>
public static class DirentLayout
{
    public const int OffsetIno = 0, OffsetOff = 8, OffsetReclen = 16, OffsetType64 = 18, OffsetName64 = 19, OffsetNameOld = 18;

    /// <summary>d_reclen of a record for a <paramref name="nameLength"/>-byte name.</summary>
    public static int RecordLength(int nameLength, bool dirent64) =>
        dirent64 ? (OffsetName64 + nameLength + 1 + 7) & ~7 : (OffsetNameOld + nameLength + 2 + 7) & ~7;

    /// <summary>Writes one record; false when it does not fit in <paramref name="b"/>.</summary>
    /// <param name="b">Where the record goes.</param>
    /// <param name="ino">d_ino.</param>
    /// <param name="off">d_off: the position of the next record (telldir's value).</param>
    /// <param name="type">d_type.</param>
    /// <param name="name">The name as a byte string.</param>
    /// <param name="dirent64">linux_dirent64 (true) or the old linux_dirent.</param>
    /// <param name="written">d_reclen.</param>
    public static bool TryWrite(Span<byte> b, ulong ino, long off, byte type, string name, bool dirent64, out int written)
    {
        written = RecordLength(name.Length, dirent64);
        if (written > b.Length)
        {
            return false;
        }
        var rec = b[..written];
        rec.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(rec[OffsetIno..], ino);
        BinaryPrimitives.WriteInt64LittleEndian(rec[OffsetOff..], off);
        BinaryPrimitives.WriteUInt16LittleEndian(rec[OffsetReclen..], (ushort)written);
        if (dirent64)
        {
            rec[OffsetType64] = type;
            Encoding.Latin1.GetBytes(name, rec[OffsetName64..]);
        }
        else
        {
            Encoding.Latin1.GetBytes(name, rec[OffsetNameOld..]);
            rec[written - 1] = type;
        }
        return true;
    }
}
