using Emulator.Core.Cpu;

namespace Emulator.Core.Kernel.Fs;

/// <summary>How the guest sees files: which host directory is its root, whether the host may be
/// written, and the values the synthetic files report.</summary>
public sealed record FsOptions
{
    /// <summary>The host directory the guest sees as <c>/</c>. "/" shows the whole host file system; any
    /// other directory confines the guest to it (every path is resolved by the emulator, so neither
    /// <c>..</c> nor a symlink leads out).</summary>
    public string Root { get; init; } = "/";

    /// <summary>Never write the host: host files are opened read-only and every change lives in an
    /// in-memory layer (copy-up, whiteouts), discarded with the <see cref="GuestFileSystem"/>.</summary>
    public bool Overlay { get; init; }

    /// <summary>Seed of /dev/urandom and /dev/random (the same seed gives the same bytes).</summary>
    public ulong RandomSeed { get; init; }

    /// <summary>The CPU level /proc/cpuinfo describes (its flags come from <see cref="CpuFeatures"/>).</summary>
    public CpuLevel CpuLevel { get; init; } = CpuLevel.V3;

    /// <summary>Processors listed by /proc/cpuinfo, /proc/stat and /sys/devices/system/cpu/online.</summary>
    public int Cpus { get; init; } = 1;

    /// <summary>MemTotal of /proc/meminfo, in bytes.</summary>
    public ulong MemoryBytes { get; init; } = 256UL << 20;

    /// <summary>Bytes the in-memory files (overlay upper layer, memfd) may hold in all; past it writes
    /// fail with ENOSPC, as a full tmpfs does, instead of exhausting the host.</summary>
    public long MemoryFileLimit { get; init; } = 1L << 30;

    /// <summary>/proc/sys/kernel/osrelease (keep it equal to what uname reports).</summary>
    public string OsRelease { get; init; } = "6.1.0-emulator";

    /// <summary>/proc/sys/kernel/hostname (keep it equal to uname's nodename).</summary>
    public string Hostname { get; init; } = "emulator";
}
