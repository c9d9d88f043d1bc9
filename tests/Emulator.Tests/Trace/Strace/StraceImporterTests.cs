using Emulator.Core.Trace.Strace;
using static Emulator.Tests.Trace.Strace.StraceTestSupport;

namespace Emulator.Tests.Trace.Strace;

/// <summary>How log lines become statements: each test is a small log, the exact trace it must
/// give, and (where it has actions) a replay of that trace on the emulated mm.</summary>
public sealed class StraceImporterTests
{
    [Fact]
    public void A_file_backed_mapping_becomes_an_anonymous_one_of_the_same_pages_and_protection()
    {
        var r = ImportOk(
            "1  mmap(NULL, 37663, PROT_READ, MAP_PRIVATE, 3, 0) = 0x7f0000000000\n" +
            "1  mmap(NULL, 27028, PROT_READ|PROT_WRITE, MAP_SHARED, 4, 0) = 0x7f0000100000\n");

        // Sizes round up to pages; MAP_SHARED stays shared (fork shares it).
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f0000000000 0xa000 r\n" +
            "mmap p1 0x7f0000100000 0x7000 rw shared\n", Body(r));
        AssertReplays(r);
    }

    [Fact]
    public void A_map_fixed_over_a_mapping_is_written_as_munmap_then_mmap()
    {
        var r = ImportOk(
            "1  mmap(NULL, 1974096, PROT_READ, MAP_PRIVATE|MAP_DENYWRITE, 3, 0) = 0x7f01e22fd000\n" +
            "1  mmap(0x7f01e2323000, 1400832, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED|MAP_DENYWRITE, 3, 0x26000) = 0x7f01e2323000\n");

        // The trace's mmap is MAP_FIXED_NOREPLACE: without the munmap it would fail with EEXIST.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f01e22fd000 0x1e2000 r\n" +
            "munmap p1 0x7f01e2323000 0x156000\n" +
            "mmap p1 0x7f01e2323000 0x156000 rx\n", Body(r));
        Assert.Empty(r.Approximations); // a MAP_FIXED replacing a mapping is exact, not approximated
        AssertReplays(r);
    }

    [Fact]
    public void Execve_starts_a_new_process_and_ends_the_old_one()
    {
        var r = ImportOk(
            "1  execve(\"./a\", [\"./a\"], 0x7ffc /* 1 var */) = 0\n" +
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  execve(\"/x\", [\"x\"], 0x7ffc /* 1 var */) = -1 ENOENT (No such file or directory)\n" +
            "1  execve(\"/bin/b\", [\"b\"], 0x7ffc /* 1 var */) = 0\n" +
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  exit_group(0) = ?\n" +
            "1  +++ exited with 0 +++\n");

        // The first image's process exits at the successful execve (not the failed one); the
        // second image maps the same address in its own, new address space.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f0000000000 0x1000 r\n" +
            "exit p1\n" +
            "process p1_1\n" +
            "mmap p1_1 0x7f0000000000 0x1000 r\n" +
            "exit p1_1\n", Body(r));
        Assert.Equal(2, r.Processes);
        AssertReplays(r);
    }

    [Fact]
    public void Unfinished_and_resumed_halves_join_per_pid_at_the_resumed_line()
    {
        var r = ImportOk(
            "1  clone(child_stack=NULL, flags=SIGCHLD) = 2\n" +
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n" +
            "2  munmap(0x7f0000010000, 4096 <unfinished ...>\n" +
            "1  <... mmap resumed>) = 0x7f0000000000\n" +
            "2  <... munmap resumed>) = 0\n" +
            "1  wait4(-1,  <unfinished ...>\n" +
            "2  exit_group(0) = ?\n" +
            "2  +++ exited with 0 +++\n" +
            "1  <... wait4 resumed>[{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 2\n");

        Assert.Equal(
            "process p1\n" +
            "fork p1 p2\n" +
            "mmap p1 0x7f0000000000 0x1000 r\n" +
            "munmap p2 0x7f0000010000 0x1000\n" +
            "exit p2\n", Body(r));
        Assert.Equal(1, r.Skipped["wait4"]); // one call, though it took two lines
        AssertReplays(r);
    }

    [Fact]
    public void A_childs_lines_before_its_parents_clone_resumed_follow_the_fork()
    {
        var r = ImportOk(
            "1  mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD <unfinished ...>\n" +
            "5  munmap(0x7f0000000000, 4096) = 0\n" +
            "1  <... clone resumed>, child_tidptr=0x7f) = 5\n");

        // The child inherited the mapping: the fork must come before its munmap.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f0000000000 0x2000 rw\n" +
            "fork p1 p5\n" +
            "munmap p5 0x7f0000000000 0x1000\n", Body(r));
        AssertReplays(r);
    }

    [Fact]
    public void Threads_and_vfork_children_share_their_parents_process()
    {
        var r = ImportOk(
            "1  clone(child_stack=0x7f, flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, parent_tid=[2]) = 2\n" +
            "2  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  vfork() = 3\n" +
            "3  execve(\"/bin/true\", [\"true\"], 0x7ffc /* 1 var */) = 0\n" +
            "3  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "3  exit_group(0) = ?\n" +
            "1  munmap(0x7f0000000000, 4096) = 0\n" +
            "1  exit_group(0) = ?\n" +
            "2  +++ exited with 0 +++\n" +
            "1  +++ exited with 0 +++\n");

        // The thread's mmap is the process's; the vfork child leaves it at execve without ending
        // it; exit_group ends the thread group once.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f0000000000 0x1000 r\n" +
            "process p3\n" +
            "mmap p3 0x7f0000000000 0x1000 r\n" +
            "exit p3\n" +
            "munmap p1 0x7f0000000000 0x1000\n" +
            "exit p1\n", Body(r));
        AssertReplays(r);
    }

    [Fact]
    public void Brk_is_written_as_mmap_and_munmap_of_the_heap_pages()
    {
        var r = ImportOk(
            "1  brk(NULL) = 0x557d68803000\n" +
            "1  brk(0x557d68824000) = 0x557d68824000\n" +
            "1  brk(0x557d68845800) = 0x557d68845800\n" +
            "1  brk(0x557d68814000) = 0x557d68814000\n" +
            "1  brk(0x7fff00000000) = 0x557d68814000\n");

        // The emulated mm's own break starts at a fixed address, not the real randomised one.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x557d68803000 0x21000 rw\n" +
            "mmap p1 0x557d68824000 0x22000 rw\n" +
            "munmap p1 0x557d68814000 0x32000\n", Body(r));
        Assert.Equal(1, r.Approximations[StraceApproximation.BrkFailed]); // the refused brk, which has no errno
        AssertReplays(r);
    }

    [Fact]
    public void Mremap_in_place_has_no_target_and_a_move_has_its_result_as_target()
    {
        var r = ImportOk(
            "1  mmap(NULL, 278528, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f11d4d7d000\n" +
            "1  mremap(0x7f11d4d7d000, 278528, 315392, MREMAP_MAYMOVE) = 0x7f11d4d30000\n" +
            "1  mremap(0x7f11d4d30000, 315392, 352256, MREMAP_MAYMOVE) = 0x7f11d4d30000\n" +
            "1  mremap(0x7f11d4d30000, 352256, 4096, MREMAP_MAYMOVE) = 0x7f11d4d30000\n" +
            "1  mremap(0x7f11d4d30000, 4096, 8192, MREMAP_MAYMOVE|MREMAP_DONTUNMAP) = 0x7f11d4000000\n");

        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f11d4d7d000 0x44000 rw\n" +
            "mremap p1 0x7f11d4d7d000 0x44000 0x4d000 to=0x7f11d4d30000\n" +
            "mremap p1 0x7f11d4d30000 0x4d000 0x56000\n" +
            "mremap p1 0x7f11d4d30000 0x56000 0x1000\n" +
            "mremap p1 0x7f11d4d30000 0x1000 0x2000 to=0x7f11d4000000\n" +
            "mmap p1 0x7f11d4d30000 0x1000 rw\n", Body(r)); // DONTUNMAP leaves the old range mapped, empty
        AssertReplays(r);
    }

    [Fact]
    public void A_failed_call_keeps_its_errno_only_when_the_model_fails_it_the_same_way()
    {
        var r = ImportOk(
            "1  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  mprotect(0x7f0000100000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)\n" +
            "1  munmap(0x7f0000000001, 4096) = -1 EINVAL (Invalid argument)\n" +
            "1  mmap(0x7f0000000000, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = -1 EEXIST (File exists)\n" +
            "1  mprotect(0x7f0000000001, 4096, PROT_READ) = -1 EACCES (Permission denied)\n" +
            "1  mprotect(0x7f0000000000, 4096, PROT_WRITE) = -1 EACCES (Permission denied)\n" +
            "1  mmap(NULL, 1099511627776, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = -1 ENOMEM (Cannot allocate memory)\n" +
            "1  mremap(0x7f0000000000, 4096, 8192, 0) = -1 ENOMEM (Cannot allocate memory)\n");

        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x7f0000000000 0x1000 rw\n" +
            "mprotect p1 0x7f0000100000 0x1000 r => error ENOMEM\n" +
            "munmap p1 0x7f0000000001 0x1000 => error EINVAL\n" +
            "mmap p1 0x7f0000000000 0x1000 r => error EEXIST\n" +
            "mprotect p1 0x7f0000000001 0x1000 r => any\n", Body(r)); // the model says EINVAL, not EACCES
        // Failures the model would not reproduce are dropped (replaying them would change the state).
        Assert.Equal(1, r.Approximations[StraceApproximation.FailureOtherErrno]);
        Assert.Equal(2, r.Approximations[StraceApproximation.FailureDropped]); // EACCES of a file mapping; mremap that can grow here
        Assert.Equal(1, r.Approximations[StraceApproximation.FailedMmapWithoutAddress]);
        AssertReplays(r);
    }

    [Fact]
    public void A_call_on_pages_the_kernel_mapped_maps_them_first()
    {
        var r = ImportOk("1  mprotect(0x557d386b7000, 8192, PROT_READ) = 0\n");

        // The executable's RELRO page: it exists (the call succeeded) though no mmap in the log made it.
        Assert.Equal(
            "process p1\n" +
            "mmap p1 0x557d386b7000 0x2000 r\n" +
            "mprotect p1 0x557d386b7000 0x2000 r\n", Body(r));
        Assert.Equal(1, r.Approximations[StraceApproximation.AdoptedPages]);
        AssertReplays(r);
    }

    [Fact]
    public void Unknown_syscalls_are_counted_by_name_not_errors()
    {
        var r = ImportOk(
            "1  openat(AT_FDCWD, \"/etc/ld.so.cache\", O_RDONLY|O_CLOEXEC) = 3\n" +
            "1  wait4(-1, NULL, WNOHANG, NULL) = -1 ECHILD (No child processes)\n" +
            "1  wait4(-1, NULL, WNOHANG, NULL) = 0\n" +
            "1  madvise(0x7f0000000000, 4096, MADV_HUGEPAGE) = 0\n");

        Assert.Equal(2, r.Skipped["wait4"]);
        Assert.Equal(1, r.Skipped["openat"]);
        Assert.Equal(1, r.Approximations[StraceApproximation.AdviceDropped]); // known syscall, inexpressible advice
        Assert.Equal(4, r.Lines);
    }

    [Fact]
    public void Every_malformed_line_is_reported_with_its_line_and_column_and_nothing_is_converted()
    {
        var r = StraceImporter.Import(
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  munmap(0x7f0000000000, four) = 0\n" +
            "1  mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000001000\n" +
            "garbage\n" +
            "2  <... mmap resumed>) = 0x7f0000000000\n" +
            "3  mmap(NULL, bad, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n" +
            "3  <... mmap resumed>) = 0x7f0000000000\n");

        Assert.False(r.Success);
        Assert.Empty(r.Statements); // a user gets all the errors and no partial trace
        Assert.Equal(
            [
                "2:27: invalid length 'four'",
                "4:1: expected a system call 'NAME(...)', got 'garbage'",
                "5:9: 'mmap' resumed but pid 2 has no unfinished call",
                "6:15: invalid length 'bad'", // in the unfinished half: reported at its own line
            ],
            r.Errors.Select(e => e.ToString()));
        Assert.Equal("log.strace:2:27: invalid length 'four'", r.Errors[0].Format("log.strace"));
    }

    [Fact]
    public void Lines_without_pid_belong_to_the_first_process_also_once_strace_starts_prefixing_them()
    {
        var r = ImportOk(
            "10:00:00.000001 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "10:00:00.000002 clone(child_stack=NULL, flags=SIGCHLD) = 8\n" +
            "[pid     7] 10:00:00.000003 munmap(0x7f0000000000, 4096) = 0\n" +
            "[pid     8] 10:00:00.000004 munmap(0x7f0000000000, 4096) = 0\n");

        Assert.Equal(
            "process p0\n" +
            "mmap p0 0x7f0000000000 0x1000 r\n" +
            "fork p0 p8\n" +
            "munmap p0 0x7f0000000000 0x1000\n" +
            "munmap p8 0x7f0000000000 0x1000\n", Body(r));
        AssertReplays(r);
    }

    [Fact]
    public void Probes_follow_each_memory_call_with_the_outcomes_the_model_guarantees()
    {
        var r = ImportOk(
            "1  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  mprotect(0x7f0000000000, 4096, PROT_READ) = 0\n" +
            "1  munmap(0x7f0000000000, 4096) = 0\n" +
            "1  exit_group(0) = ?\n",
            new StraceImportOptions("gpu", DmaProbes: 1, Seed: 1));

        // One page: every probe hits it. Written data is read back after mprotect; a read-only
        // page refuses the device's write; an unmapped one faults and is absent from the ATC.
        Assert.Equal(
            "device gpu sid=1 ats pri\n" +
            "process p1\n" +
            "bind gpu p1\n" +
            "mmap p1 0x7f0000000000 0x1000 rw\n" +
            "dma gpu p1 read 0x7f0000000008 0x8 => zero\n" +
            "dma gpu p1 write 0x7f0000000008 0x8 rand:1\n" +
            "mprotect p1 0x7f0000000000 0x1000 r\n" +
            "dma gpu p1 read 0x7f0000000008 0x8 => rand:1\n" +
            "dma gpu p1 write 0x7f0000000008 0x8 rand:2 => fault\n" +
            "munmap p1 0x7f0000000000 0x1000\n" +
            "dma gpu p1 read 0x7f0000000008 0x8 => fault\n" +
            "expect atc gpu p1 0x7f0000000000 absent\n" +
            "exit p1\n" +
            "unbind gpu p1\n", Body(r));
        AssertReplays(r);
    }

    [Fact]
    public void Probed_data_follows_mremap_fork_and_madvise()
    {
        var r = ImportOk(
            "1  mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\n" +
            "1  mremap(0x7f0000000000, 4096, 8192, MREMAP_MAYMOVE) = 0x7f0000100000\n" +
            "1  fork() = 2\n" +
            "2  madvise(0x7f0000100000, 4096, MADV_DONTNEED) = 0\n" +
            "1  mprotect(0x7f0000100000, 8192, PROT_READ|PROT_WRITE) = 0\n",
            new StraceImportOptions("gpu", DmaProbes: 3, Seed: 42));

        string body = Body(r);
        Assert.Contains("mremap p1 0x7f0000000000 0x1000 0x2000 to=0x7f0000100000\n", body);
        Assert.Contains("=> rand:", body); // some probe reads back data written before a later call
        AssertReplays(r); // the data moved with mremap, survived fork in p1, was dropped by madvise in p2
    }

    [Fact]
    public void The_same_seed_gives_the_same_trace_and_another_seed_another()
    {
        string log = File.ReadAllText(Path.Combine(StraceLineParserTests.DataDir, "malloc-loop.strace"));
        string a = Body(ImportOk(log, new StraceImportOptions("gpu", 4, 7)));
        string b = Body(ImportOk(log, new StraceImportOptions("gpu", 4, 7)));
        string c = Body(ImportOk(log, new StraceImportOptions("gpu", 4, 8)));

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void A_device_name_that_is_not_a_trace_name_is_refused()
    {
        Assert.Throws<ArgumentException>(() => StraceImporter.Import("", new StraceImportOptions("GPU", 1)));
    }
}
