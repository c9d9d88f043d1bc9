using Emulator.Core.Kernel;
using Emulator.Core.Kernel.Fs;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>
/// <c>--root</c> and <c>--overlay</c> with a real program (Debian's busybox running a shell script):
/// confined, the guest sees only the root — `..`, an absolute symlink and a relative one pointing out of
/// it all stay inside — and still re-executes itself through /proc/self/exe; under the overlay it
/// writes, renames and deletes freely and the host directory is untouched afterwards.
/// </summary>
public sealed class RootOverlayGuestTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("emu-rootoverlay-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true); // removes symlinks, never follows them

    private static string Busybox => Board.UsbToolFactAttribute.Find("busybox") ?? "/bin/busybox";

    private (string Out, KernelRunResult Result) Run(FsOptions fs, string script, string cwd = "/")
    {
        // As boot runs guests: as the invoking user, who owns the scratch directory.
        uint uid = GuestFileSystem.HostUid, gid = GuestFileSystem.HostGid;
        var image = Core.Kernel.Exec.ProcessImageOptions.Default with { Uid = uid, Euid = uid, Gid = gid, Egid = gid };
        var rig = new GuestRig(new GuestKernelOptions { FileSystem = new GuestFileSystem(fs), WorkingDirectory = cwd, Image = image });
        var r = rig.Run(File.ReadAllBytes(Busybox), [Busybox, "sh", "-c", script], ["PATH=/bin", "LC_ALL=C"]);
        return (rig.Out + rig.Err, r);
    }

    [ToolFact("busybox:busybox-static")]
    public void A_confined_guest_sees_only_its_root()
    {
        File.WriteAllText(Path.Combine(_dir, "inside.txt"), "inside\n");
        File.CreateSymbolicLink(Path.Combine(_dir, "up"), "../../..");
        File.CreateSymbolicLink(Path.Combine(_dir, "abs"), "/etc");

        var (output, r) = Run(new FsOptions { Root = _dir },
            "cat /inside.txt; cd /../../..; pwd; ls /up/; ls /abs/ 2>&1; cat /etc/hostname 2>&1; echo new > /created.txt");

        Assert.True(r.Init!.ShellStatus != 127, output);
        Assert.Contains("inside\n", output);                            // the root's own file
        Assert.Contains("/\n", output);                                 // cd .. stops at the root
        Assert.Contains("up\n", output);                                // ../../.. from the root is the root
        Assert.Contains("ls: /abs/: No such file or directory", output); // an absolute link resolves inside
        Assert.Contains("can't open '/etc/hostname'", output);          // the host's /etc is not there
        Assert.Equal("new\n", File.ReadAllText(Path.Combine(_dir, "created.txt"))); // writes land in the root
    }

    [ToolFact("busybox:busybox-static")]
    public void Under_the_overlay_the_host_is_never_written()
    {
        File.WriteAllText(Path.Combine(_dir, "keep.txt"), "original\n");
        Directory.CreateDirectory(Path.Combine(_dir, "sub"));
        var before = Snapshot();

        var (output, r) = Run(new FsOptions { Overlay = true },
            $"cd {_dir} && echo changed > keep.txt && cat keep.txt && echo new > new.txt && mv new.txt moved.txt && rm -r sub && mkdir made && ls && cat moved.txt");

        Assert.True(r.Init!.ShellStatus == 0, output);
        Assert.Equal("changed\nkeep.txt\nmade\nmoved.txt\nnew\n", output); // the guest saw its own changes
        Assert.Equal(before, Snapshot());                                  // and the host saw none of them
    }

    private string Snapshot() =>
        string.Join("\n", Directory.EnumerateFileSystemEntries(_dir, "*", SearchOption.AllDirectories).Order()
            .Select(p => File.Exists(p) ? $"{p}={File.ReadAllText(p)}" : p));
}
