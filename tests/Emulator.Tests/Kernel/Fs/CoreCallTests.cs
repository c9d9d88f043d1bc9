using System.Runtime.Versioning;
using System.Buffers.Binary;
using System.Text;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>open, read, write, close, lseek, fstat, newfstatat, getdents64, getcwd, chdir, dup*, fcntl on
/// real files of a temporary directory, through a real address space.</summary>
[SupportedOSPlatform("linux")]
public sealed class CoreCallTests : IDisposable
{
    private readonly FsRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public void A_created_file_holds_what_was_written_and_has_the_mode_minus_the_umask()
    {
        long fd = _rig.Open("out.txt", OCreat | OWrOnly | OTrunc, 0x1b6); // 0666
        Assert.True(fd >= 0, $"open: {fd}");
        Assert.Equal(5, _rig.Write((int)fd, "hello"u8.ToArray()));
        Assert.Equal(0, _rig.Call(Close, (ulong)fd));
        Assert.Equal("hello", File.ReadAllText(_rig.HostPath("out.txt"))); // the host file has the bytes
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            File.GetUnixFileMode(_rig.HostPath("out.txt"))); // 0666 & ~022
    }

    [Fact]
    public void The_umask_of_the_guest_is_applied_even_when_the_host_s_would_remove_more()
    {
        _rig.Ctx.Fs.ExchangeUmask(0);
        long fd = _rig.Open("wide", OCreat | OWrOnly, 0x1b6);
        Assert.True(fd >= 0);
        Assert.Equal((UnixFileMode)0x1b6, File.GetUnixFileMode(_rig.HostPath("wide"))); // 0666 although the host's umask is 022
    }

    [Fact]
    public void Open_answers_Linux_s_errors()
    {
        File.WriteAllText(_rig.HostPath("f"), "x");
        Directory.CreateDirectory(_rig.HostPath("d"));
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("missing", ORdOnly));
        Assert.Equal(Err(Errno.EEXIST), _rig.Open("f", OCreat | OExcl | OWrOnly));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Open("f", ORdOnly | ODirectory));
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Open("f/x", ORdOnly)); // a file in the middle of a path
        Assert.Equal(Err(Errno.EISDIR), _rig.Open("d", OWrOnly));
        Assert.Equal(Err(Errno.EISDIR), _rig.Open("d", OCreat | OWrOnly));
        Assert.Equal(Err(Errno.EINVAL), _rig.Open("f", OCreat | ODirectory));
        Assert.Equal(Err(Errno.ENOENT), _rig.Open("", ORdOnly));
        Assert.Equal(Err(Errno.EISDIR), _rig.Open("newdir/", OCreat | OWrOnly)); // a trailing slash cannot create a file
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Open, Wild, ORdOnly));
        Assert.Equal(Err(Errno.ENAMETOOLONG), _rig.Open(new string('a', 4096), ORdOnly)); // 4096 bytes + NUL > PATH_MAX
        Assert.Equal(Err(Errno.ENAMETOOLONG), _rig.Open(new string('a', 256), ORdOnly)); // one component > NAME_MAX
        Assert.True(_rig.Open(new string('a', 255), OCreat | OWrOnly) >= 0); // NAME_MAX itself is fine
    }

    [Fact]
    public void A_path_that_ends_just_before_an_unmapped_page_is_read_without_fault()
    {
        // The NUL is the last byte of the scratch region; the next page is unmapped.
        ulong end = TestFsContext.Scratch + TestFsContext.ScratchPages * 4096UL;
        File.WriteAllText(_rig.HostPath("e"), "");
        _rig.Ctx.Put(end - 2, "e\0"u8);
        Assert.True(_rig.Call(FsAbi.Open, end - 2, ORdOnly) >= 0);
        _rig.Ctx.Put(end - 1, "e"u8); // no NUL before the unmapped page
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Open, end - 1, ORdOnly));
    }

    [Fact]
    public void Read_stops_at_end_of_file_and_checks_mode_and_buffer()
    {
        File.WriteAllBytes(_rig.HostPath("f"), Encoding.ASCII.GetBytes("0123456789"));
        int fd = (int)_rig.Open("f", ORdOnly);
        Assert.Equal(4, _rig.Read(fd, 4, out var a));
        Assert.Equal("0123", Encoding.ASCII.GetString(a));
        Assert.Equal(6, _rig.Read(fd, 100, out var b)); // short at end of file
        Assert.Equal("456789", Encoding.ASCII.GetString(b));
        Assert.Equal(0, _rig.Read(fd, 100, out _)); // end of file
        Assert.Equal(Err(Errno.EBADF), _rig.Write(fd, [1])); // opened read-only
        _rig.Call(Lseek, (ulong)fd, 0, SeekSet);
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Read, (ulong)fd, Wild, 4)); // unmapped buffer
        Assert.Equal(Err(Errno.EBADF), _rig.Call(FsAbi.Read, 77, Data, 4));
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Read, (ulong)fd, ulong.MaxValue - 10, 100)); // wraps: access_ok fails
    }

    [Fact]
    public void A_huge_count_is_bounded_by_the_file_not_allocated()
    {
        var content = new byte[100_000];
        new Random(7).NextBytes(content);
        File.WriteAllBytes(_rig.HostPath("big"), content);
        int fd = (int)_rig.Open("big", ORdOnly);
        // 1 TiB requested; the buffer region is only 240 KiB but the file ends first, so nothing faults.
        long n = _rig.Call(FsAbi.Read, (ulong)fd, Data, 1UL << 40);
        Assert.Equal(content.Length, n);
        Assert.Equal(content, _rig.Ctx.Get(Data, content.Length));
    }

    [Fact]
    public void A_buffer_that_faults_part_way_gives_a_short_read_and_the_offset_moves_only_by_it()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[3 * 4096]);
        int fd = (int)_rig.Open("f", ORdOnly);
        ulong lastPage = TestFsContext.Scratch + (TestFsContext.ScratchPages - 1) * 4096UL;
        Assert.Equal(4096, _rig.Call(FsAbi.Read, (ulong)fd, lastPage, 3 * 4096)); // the page after is unmapped
        Assert.Equal(4096, _rig.Call(Lseek, (ulong)fd, 0, SeekCur));
    }

    [Fact]
    public void Lseek_moves_and_refuses_as_Linux_does()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[100]);
        int fd = (int)_rig.Open("f", ORdWr);
        Assert.Equal(10, _rig.Call(Lseek, (ulong)fd, 10, SeekSet));
        Assert.Equal(15, _rig.Call(Lseek, (ulong)fd, 5, SeekCur));
        Assert.Equal(90, _rig.Call(Lseek, (ulong)fd, unchecked((ulong)-10L), SeekEnd));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Lseek, (ulong)fd, unchecked((ulong)-1L), SeekSet));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Lseek, (ulong)fd, 0, 7));
        Assert.Equal(Err(Errno.ENXIO), _rig.Call(Lseek, (ulong)fd, 200, SeekData));
        Assert.Equal(1000, _rig.Call(Lseek, (ulong)fd, 1000, SeekSet)); // past the end is allowed
        Assert.Equal(1, _rig.Write(fd, [7]));
        Assert.Equal(1001, new FileInfo(_rig.HostPath("f")).Length); // the gap is a hole
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Lseek, 99, 0, SeekSet));
    }

    [Fact]
    public void Fstat_and_newfstatat_report_the_host_file()
    {
        File.WriteAllBytes(_rig.HostPath("f"), new byte[1234]);
        File.CreateSymbolicLink(_rig.HostPath("l"), "f");
        int fd = (int)_rig.Open("f", ORdOnly);
        Assert.Equal(0, _rig.Fstat(fd, out var st));
        Assert.Equal(1234, st.Size);
        Assert.Equal(SIfreg, st.Type);
        Assert.Equal(0, _rig.Stat("l", out var viaLink));
        Assert.Equal(st.Ino, viaLink.Ino); // stat follows the link
        Assert.Equal(0, _rig.Stat("l", out var link, AtSymlinkNofollow));
        Assert.Equal(SIflnk, link.Type); // lstat does not
        Assert.Equal(1, link.Size); // the target's length
        long r = _rig.Call(Newfstatat, (ulong)fd, _rig.Ctx.PutString(PathA, ""), Struct, AtEmptyPath);
        Assert.Equal(0, r);
        Assert.Equal(st.Ino, GuestStat.Read(_rig.Ctx.Get(Struct, 144)).Ino); // AT_EMPTY_PATH: the descriptor itself
        Assert.Equal(Err(Errno.ENOENT), _rig.Call(Newfstatat, (ulong)fd, PathA, Struct, 0)); // "" without AT_EMPTY_PATH
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Newfstatat, (ulong)fd, PathA, Struct, 0x8000));
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Fstat, (ulong)fd, Wild));
    }

    [Fact]
    public void Getdents64_lists_a_large_directory_once_through_a_small_buffer()
    {
        Directory.CreateDirectory(_rig.HostPath("big"));
        var expected = new HashSet<string> { ".", ".." };
        for (int i = 0; i < 300; i++)
        {
            string name = $"file-{i:D4}-{new string('x', i % 40)}";
            File.WriteAllText(Path.Combine(_rig.HostPath("big"), name), "");
            expected.Add(name);
        }
        Directory.CreateDirectory(Path.Combine(_rig.HostPath("big"), "sub"));
        expected.Add("sub");
        int fd = (int)_rig.Open("big", ORdOnly | ODirectory);
        var listed = _rig.List(fd, bufferSize: 200);
        Assert.Equal(expected.Count, listed.Count); // each name exactly once
        Assert.Equal(expected, listed.Select(e => e.Name).ToHashSet());
        Assert.Equal(DtDir, listed.Single(e => e.Name == "sub").Type);
        Assert.Equal(DtReg, listed.Single(e => e.Name == "file-0001-x").Type);
        // d_off values are telldir positions: seeking to one resumes right after that entry.
        var third = listed[2];
        Assert.Equal(third.Off, _rig.Call(Lseek, (ulong)fd, (ulong)third.Off, SeekSet));
        Assert.Equal(listed[3].Name, _rig.List(fd, 200)[0].Name);
        _rig.Call(Lseek, (ulong)fd, 0, SeekSet);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Getdents64, (ulong)fd, Data, 10)); // no room for even "."
    }

    [Fact]
    public void Getdents64_on_a_file_is_ENOTDIR_and_reading_a_directory_is_EISDIR()
    {
        File.WriteAllText(_rig.HostPath("f"), "");
        int f = (int)_rig.Open("f", ORdOnly);
        int d = (int)_rig.Open(".", ORdOnly);
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(Getdents64, (ulong)f, Data, 4096));
        Assert.Equal(Err(Errno.EISDIR), _rig.Call(FsAbi.Read, (ulong)d, Data, 10));
    }

    [Fact]
    public void Getcwd_and_chdir_follow_the_canonical_path()
    {
        Directory.CreateDirectory(_rig.HostPath("a/b"));
        File.CreateSymbolicLink(_rig.HostPath("link"), "a/b");
        long n = _rig.Call(Getcwd, Data, 4096);
        Assert.Equal(_rig.Dir, _rig.Ctx.GetString(Data, (int)n - 1));
        Assert.Equal(0, _rig.Call(Chdir, _rig.Ctx.PutString(PathA, "link")));
        n = _rig.Call(Getcwd, Data, 4096);
        Assert.Equal(_rig.Dir + "/a/b", _rig.Ctx.GetString(Data, (int)n - 1)); // symlinks resolved, as the kernel's d_path
        Assert.Equal(0, _rig.Call(Chdir, _rig.Ctx.PutString(PathA, "../..")));
        Assert.Equal(_rig.Dir, _rig.Ctx.Fs.Cwd);
        File.WriteAllText(_rig.HostPath("f"), "");
        Assert.Equal(Err(Errno.ENOTDIR), _rig.Call(Chdir, _rig.Ctx.PutString(PathA, "f")));
        Assert.Equal(Err(Errno.ERANGE), _rig.Call(Getcwd, Data, 3));
        int dfd = (int)_rig.Open("a", ORdOnly | ODirectory);
        Assert.Equal(0, _rig.Call(Fchdir, (ulong)dfd));
        Assert.Equal(_rig.Dir + "/a", _rig.Ctx.Fs.Cwd);
    }

    [Fact]
    public void Dup_shares_the_offset_and_dup3_sets_close_on_exec()
    {
        File.WriteAllText(_rig.HostPath("f"), "abcdef");
        int fd = (int)_rig.Open("f", ORdOnly);
        long copy = _rig.Call(FsAbi.Dup, (ulong)fd);
        Assert.Equal(fd + 1, copy);
        _rig.Read(fd, 2, out _);
        _rig.Read((int)copy, 2, out var next);
        Assert.Equal("cd", Encoding.ASCII.GetString(next)); // one description, one offset
        Assert.Equal(9, _rig.Call(Dup2, (ulong)fd, 9));
        Assert.Equal(fd, _rig.Call(Dup2, (ulong)fd, (ulong)fd)); // same number: a validity check
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Dup2, 50, 51));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Dup3, (ulong)fd, (ulong)fd, 0));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Dup3, (ulong)fd, 12, 1));
        Assert.Equal(12, _rig.Call(Dup3, (ulong)fd, 12, OCloexec));
        Assert.Equal(FdCloexec, _rig.Call(Fcntl, 12, FGetfd));
        Assert.Equal(0, _rig.Call(Fcntl, 9, FGetfd));
    }

    [Fact]
    public void Fcntl_duplicates_changes_flags_and_accepts_record_locks()
    {
        int fd = (int)_rig.Open("f", OCreat | OWrOnly);
        Assert.Equal(20, _rig.Call(Fcntl, (ulong)fd, FDupfd, 20));
        Assert.Equal(21, _rig.Call(Fcntl, (ulong)fd, FDupfdCloexec, 20));
        Assert.Equal(FdCloexec, _rig.Call(Fcntl, 21, FGetfd));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fcntl, (ulong)fd, FDupfd, 1024));
        Assert.Equal(OWrOnly | OLargefile, _rig.Call(Fcntl, (ulong)fd, FGetfl));
        Assert.Equal(0, _rig.Call(Fcntl, (ulong)fd, FSetfl, OAppend | ONonblock | ORdWr));
        Assert.Equal(OWrOnly | OLargefile | OAppend | ONonblock, _rig.Call(Fcntl, (ulong)fd, FGetfl)); // access mode unchanged
        _rig.Write(fd, "ab"u8.ToArray());
        _rig.Call(Lseek, (ulong)fd, 0, SeekSet);
        _rig.Write(fd, "cd"u8.ToArray());
        Assert.Equal("abcd", File.ReadAllText(_rig.HostPath("f"))); // O_APPEND writes at the end whatever the offset
        // struct flock {F_WRLCK, SEEK_SET, 0, 0, 0}
        var flock = new byte[32];
        BinaryPrimitives.WriteInt16LittleEndian(flock, FWrlck);
        _rig.Ctx.Put(Struct, flock);
        Assert.Equal(0, _rig.Call(Fcntl, (ulong)fd, FSetlk, Struct));
        Assert.Equal(0, _rig.Call(Fcntl, (ulong)fd, FGetlk, Struct));
        Assert.Equal(FUnlck, BinaryPrimitives.ReadInt16LittleEndian(_rig.Ctx.Get(Struct, 2))); // no conflicting lock
        BinaryPrimitives.WriteInt16LittleEndian(flock, FRdlck);
        _rig.Ctx.Put(Struct, flock);
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Fcntl, (ulong)fd, FSetlk, Struct)); // a read lock needs a readable fd
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fcntl, (ulong)fd, 9999));
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Fcntl, (ulong)fd, FGetpipeSz));
    }

    [Fact]
    public void Close_frees_the_number_and_a_second_close_is_EBADF()
    {
        int fd = (int)_rig.Open("f", OCreat | OWrOnly);
        Assert.Equal(0, _rig.Call(Close, (ulong)fd));
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Close, (ulong)fd));
        Assert.Equal(fd, _rig.Open("f", ORdOnly)); // the number is reused
    }

    [Fact]
    public void Open_is_EMFILE_when_the_table_is_full_even_for_a_missing_path()
    {
        _rig.Ctx.Files.Limit = 3;
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, _rig.Open("f", OCreat | OWrOnly));
        }
        Assert.Equal(Err(Errno.EMFILE), _rig.Open("missing", ORdOnly)); // EMFILE wins over ENOENT
    }

    [Fact]
    public void Readv_and_writev_scatter_and_gather()
    {
        int fd = (int)_rig.Open("v", OCreat | ORdWr);
        _rig.Ctx.Put(Data, "hello "u8);
        _rig.Ctx.Put(Data + 0x100, "world"u8);
        var iov = new byte[32];
        new IoVec(Data, 6).Write(iov);
        new IoVec(Data + 0x100, 5).Write(iov.AsSpan(16));
        _rig.Ctx.Put(Struct, iov);
        Assert.Equal(11, _rig.Call(Writev, (ulong)fd, Struct, 2));
        Assert.Equal("hello world", File.ReadAllText(_rig.HostPath("v")));
        new IoVec(Data + 0x200, 3).Write(iov);
        new IoVec(Data + 0x300, 100).Write(iov.AsSpan(16));
        _rig.Ctx.Put(Struct, iov);
        Assert.Equal(11, _rig.Call(Preadv, (ulong)fd, Struct, 2, 0));
        Assert.Equal("hel", _rig.Ctx.GetString(Data + 0x200, 3));
        Assert.Equal("lo world", _rig.Ctx.GetString(Data + 0x300, 8));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Readv, (ulong)fd, Struct, 1025)); // more than IOV_MAX
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(Readv, (ulong)fd, Wild, 2));
        Assert.Equal(0, _rig.Call(Readv, (ulong)fd, Struct, 0));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Preadv, (ulong)fd, Struct, 2, unchecked((ulong)-1L)));
    }

    [Fact]
    public void Pread_and_pwrite_do_not_move_the_offset()
    {
        int fd = (int)_rig.Open("p", OCreat | ORdWr);
        _rig.Ctx.Put(Data, "xyz"u8);
        Assert.Equal(3, _rig.Call(Pwrite64, (ulong)fd, Data, 3, 10));
        Assert.Equal(0, _rig.Call(Lseek, (ulong)fd, 0, SeekCur));
        Assert.Equal(2, _rig.Call(Pread64, (ulong)fd, Data + 0x100, 2, 11));
        Assert.Equal("yz", _rig.Ctx.GetString(Data + 0x100, 2));
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Pread64, (ulong)fd, Data, 2, unchecked((ulong)-5L)));
    }
}
