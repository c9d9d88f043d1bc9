using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>
/// MAP_SHARED|PROT_WRITE of a host file (tests/guests/libc/mmap-shared-file.c, glibc and musl): the
/// mapping, pread/pwrite on descriptors, a second read-only mapping, a forked child and msync agree
/// exactly as natively, and the host file afterwards holds the same bytes — including a store never
/// msync'ed, written back when the last mapping went at exit. (Before: -ENODEV.)
/// </summary>
public sealed class MmapSharedFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mmap-shared-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ToolTheory("gcc:gcc", "musl-gcc:musl-tools")]
    [InlineData("glibc")]
    [InlineData("musl")]
    public void A_writable_shared_file_mapping_behaves_and_persists_as_natively(string libc)
    {
        string exe = LibcBuild.Build("mmap-shared-file", libc);
        string nativeFile = Path.Combine(_dir, "native.dat");
        string guestFile = Path.Combine(_dir, "guest.dat");
        var native = NativeRun.Run(exe, [nativeFile], ["LC_ALL=C"]);
        var rig = new GuestRig(new GuestKernelOptions { Seed = 3 });

        var r = rig.Run(File.ReadAllBytes(exe), [exe, guestFile], ["LC_ALL=C"]);

        string report = $"emulated:\n{rig.Out}\n{rig.Err}\nnative:\n{native.Out}\n{string.Join("\n", r.Processes)}";
        Assert.Contains("0 failure(s)", native.Out);                                // the program's own checks, natively
        Assert.True(native.Out == rig.Out, report);                                  // the same checks, the same answers
        Assert.True(r.Init!.ShellStatus == 0, report);
        Assert.Equal(File.ReadAllBytes(nativeFile), File.ReadAllBytes(guestFile));  // the file the guest left is the native one
        Assert.Equal("EXIT!"u8.ToArray(), File.ReadAllBytes(guestFile)[..5]);        // the un-msync'ed store reached it at exit
        rig.AssertCoherent();
    }

    [ToolFact("gcc:gcc")]
    public void Under_the_overlay_the_host_file_is_not_changed()
    {
        // boot --overlay: a writable open copies the file up into memory, so the shared mapping is the
        // in-memory file's and the host file keeps its bytes.
        string exe = LibcBuild.Build("mmap-shared-file", "glibc");
        string file = Path.Combine(_dir, "kept.dat");
        File.WriteAllText(file, "host bytes\n");

        var r = Emulator.Tests.Cli.CliProcess.Emulator("boot", "--overlay", "--guest", exe, "--", file);

        Assert.True(r.Rc == 0, r.ToString());
        Assert.Contains("0 failure(s)", r.Out);                     // the program saw a working shared file
        Assert.Equal("host bytes\n", File.ReadAllText(file));       // and the host never did
    }
}
