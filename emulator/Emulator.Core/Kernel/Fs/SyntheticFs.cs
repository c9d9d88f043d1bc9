namespace Emulator.Core.Kernel.Fs;

/// <summary>One made-up file system (proc, devtmpfs, sysfs): its anonymous device number and magic.</summary>
/// <param name="DevMinor">st_dev is (0, DevMinor).</param>
/// <param name="Magic">f_type of statfs.</param>
internal sealed record SyntheticFs(uint DevMinor, long Magic)
{
    public StatFs StatFs() => Fs.StatFs.Synthetic(Magic) with { FsId = DevMinor };
}
