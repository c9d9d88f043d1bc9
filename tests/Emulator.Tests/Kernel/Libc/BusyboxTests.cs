using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>
/// Debian's busybox-static (a real, unmodified static glibc program) runs applets on the emulator with
/// the output of the same command run natively: shell pipelines, text tools, checksums, and tar + gzip
/// round trips in a scratch directory under /tmp.
/// </summary>
public sealed class BusyboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("emu-busybox-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The busybox binary (Debian's busybox-static installs /bin/busybox).</summary>
    private static string Busybox => Board.UsbToolFactAttribute.Find("busybox") ?? "/bin/busybox";

    public static TheoryData<string, string> Commands() => new()
    {
        { "echo", "echo hello; printf '%s-%d\\n' abc 42" },
        { "pipeline", "seq 1 200 | grep 7 | tr 7 x | wc -l; echo one two three | cut -d' ' -f2" },
        { "sort", "printf 'pear\\napple\\nfig\\napple\\n42\\n7\\n' | sort | uniq -c; seq 20 | sort -rn | head -3" },
        { "sed", "seq 1 12 | sed -e 's/1/one/g' -e '/5/d' -n -e 'p' | tail -4" },
        { "awk", "seq 1 100 | awk '{ s += $1; if ($1 % 10 == 0) printf \"%d:%d \", $1, s } END { print \"\"; print s / NR }'" },
        { "sha256sum", "seq 1 5000 > big.txt; sha256sum big.txt; md5sum big.txt; sha1sum big.txt; sha512sum big.txt | cut -c1-32" },
        { "tar-gzip", "mkdir -p d/sub; seq 1 3000 > d/a.txt; echo hi > d/sub/b.txt; tar cf d.tar d; gzip -9 d.tar; rm -r d; gunzip d.tar.gz; tar xf d.tar; sha256sum d/a.txt d/sub/b.txt; tar tf d.tar | sort" },
        { "files", "echo x > f1; ln -s f1 link; cat link; mv f1 f2; ls; rm f2 link; ls | wc -l; mkdir -p a/b/c; find a | sort; rmdir a/b/c a/b a" },
        { "expr-test", "expr 6 \\* 7; test -d / && echo dir; [ 3 -gt 2 ] && echo gt; x=$((1 << 10)); echo $x" },
        { "subshell", "(echo in a subshell; exit 3); echo status $?; sh -c 'exit 5'; echo inner $?; false || echo or" },
        { "loops", "i=0; while [ $i -lt 5 ]; do i=$((i + 1)); printf '%d ' $i; done; echo; for w in a b c; do echo -n $w; done; echo" },
        { "od-base64", "printf 'binary\\001\\002\\377' | od -An -tx1; echo 'encode me' | base64; echo ZW5jb2RlIG1lCg== | base64 -d" },
    };

    [ToolTheory("busybox:busybox-static")]
    [MemberData(nameof(Commands))]
    public void The_applet_prints_what_it_prints_natively(string name, string script)
    {
        string[] args = ["sh", "-c", script];
        string[] env = ["PATH=/usr/bin:/bin", "LC_ALL=C", "HOME=/tmp"];
        var native = NativeRun.Run(Busybox, args, env, _dir);
        // The emulated run works in a directory of its own, left as the native run left its own.
        string emulatedDir = Directory.CreateTempSubdirectory("emu-busybox-guest-").FullName;
        try
        {
            var rig = new GuestRig(new GuestKernelOptions { Vcpus = 2, Seed = 3, WorkingDirectory = emulatedDir });
            var r = rig.Run(File.ReadAllBytes(Busybox), [Busybox, .. args], env);
            string report = $"{name}: {script}\nemulated:\n{rig.Out}\nnative:\n{native.Out}\nemulated stderr:\n{rig.Err}\n{string.Join("\n", r.Processes)}";
            Assert.True(native.Out == rig.Out, report);
            Assert.True(native.Status == r.Init!.ShellStatus, report);
        }
        finally
        {
            Directory.Delete(emulatedDir, recursive: true);
        }
    }
}
