using System.Text;
using Emulator.Core.Kernel;
using Emulator.Tests.Kernel.Sys;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>
/// Ordinary C programs (tests/guests/libc), built at test time with glibc (<c>gcc -static</c>) and with
/// musl (<c>musl-gcc -static</c>), run on the emulator and natively: stdout and the exit status must be
/// identical. They cover what the issue lists: hello, printf of doubles and long doubles, malloc churn,
/// pthreads (mutex, condvar, barrier, TLS, 8 threads on 2–4 vCPUs), signals (SIGSEGV with siglongjmp,
/// SIGALRM, SIGCHLD, SIGPIPE), fork + exec + pipe + wait, file I/O in /tmp and /proc/self/maps, job
/// control (SIGSTOP/SIGTSTP/SIGCONT with wait4 WUNTRACED/WCONTINUED and waitid WSTOPPED).
/// </summary>
public sealed class LibcGuestTests
{
    public static TheoryData<string, string> Programs()
    {
        var data = new TheoryData<string, string>();
        foreach (string libc in new[] { "glibc", "musl" })
        {
            foreach (string p in new[] { "hello", "printf-float", "malloc-churn", "pthreads", "signals", "fork-exec-pipe", "fileio", "procmaps", "shm", "job-control" })
            {
                data.Add(p, libc);
            }
        }
        return data;
    }

    [ToolTheory("gcc:gcc", "musl-gcc:musl-tools")]
    [MemberData(nameof(Programs))]
    public void The_program_behaves_as_it_does_natively(string program, string libc)
    {
        string exe = LibcBuild.Build(program, libc);
        string[] args = program == "hello" ? ["first arg", "second"] : [];
        string[] env = ["GUEST_TEST_VAR=set by the test", "PATH=/usr/bin:/bin", "LC_ALL=C"];
        var native = NativeRun.Run(exe, args, env);
        int vcpus = program == "pthreads" ? 3 : 1;
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = 7 });

        var r = rig.Run(File.ReadAllBytes(exe), [exe, .. args], env);

        string report = $"{program} ({libc})\nemulated stdout:\n{rig.Out}\nnative stdout:\n{native.Out}\nemulated stderr:\n{rig.Err}\n{string.Join("\n", r.Processes)}\nunimplemented: {string.Join(",", r.UnknownSyscalls)}";
        Assert.True(native.Out == rig.Out, report);                     // byte for byte
        Assert.True(native.Status == r.Init!.ShellStatus, report);     // and the same exit status
        rig.AssertCoherent();
    }

    [ToolTheory("gcc:gcc", "musl-gcc:musl-tools")]
    [InlineData("glibc", 2, 11UL)]
    [InlineData("musl", 4, 5UL)]
    public void Eight_threads_on_several_vcpus_give_the_native_result_for_every_seed(string libc, int vcpus, ulong seed)
    {
        string exe = LibcBuild.Build("pthreads", libc);
        var native = NativeRun.Run(exe, [], ["LC_ALL=C"]);
        var rig = new GuestRig(new GuestKernelOptions { Vcpus = vcpus, Seed = seed });

        var r = rig.Run(File.ReadAllBytes(exe), [exe], ["LC_ALL=C"]);

        Assert.Equal(native.Out, rig.Out);
        Assert.Equal(0, r.Init!.ShellStatus);
        Assert.True(r.ContextSwitches > 8, $"{r.ContextSwitches} context switches"); // the threads really interleaved
    }
}

/// <summary>Builds tests/guests/libc/NAME.c with glibc or musl, once per test run.</summary>
internal static class LibcBuild
{
    private static readonly Dictionary<string, string> s_built = [];
    private static readonly object s_lock = new();

    public static string Build(string program, string libc, string extraFlags = "")
    {
        lock (s_lock)
        {
            string key = program + "/" + libc + "/" + extraFlags;
            if (s_built.TryGetValue(key, out string? done))
            {
                return done;
            }
            string dir = Directory.CreateTempSubdirectory($"libc-{libc}-").FullName;
            string exe = Path.Combine(dir, program);
            string src = Path.Combine(GuestGcc.GuestsDir, "libc", program + ".c");
            string compiler = libc == "musl" ? "musl-gcc" : "gcc";
            Gcc.Run(compiler, $"-static -O2 -pthread {extraFlags} -o {exe} {src} -lm");
            s_built[key] = exe;
            return exe;
        }
    }
}
