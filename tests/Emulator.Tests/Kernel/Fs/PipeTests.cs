using System.Buffers.Binary;
using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>Pipes as fs/pipe.c makes them: end of file, EPIPE with SIGPIPE, PIPE_BUF atomicity, page
/// granularity, blocking through the context's protocol, non-blocking EAGAIN, poll bits.</summary>
[SupportedOSPlatform("linux")]
public sealed class PipeTests : IDisposable
{
    private readonly FsRig _rig = new();
    private readonly int _r;
    private readonly int _w;

    public PipeTests()
    {
        (_r, _w) = NewPipe(0);
    }

    public void Dispose() => _rig.Dispose();

    private (int R, int W) NewPipe(int flags)
    {
        Assert.Equal(0, _rig.Call(Pipe2, Struct, (ulong)flags));
        return (_rig.Ctx.GetInt(Struct), _rig.Ctx.GetInt(Struct + 4));
    }

    private long WriteBytes(int fd, int count, byte value = 0x5a)
    {
        var data = new byte[count];
        Array.Fill(data, value);
        _rig.Ctx.Put(Data, data);
        return _rig.Call(FsAbi.Write, (ulong)fd, Data, (ulong)count);
    }

    private long ReadBytes(int fd, int count) => _rig.Call(FsAbi.Read, (ulong)fd, Data, (ulong)count);

    [Fact]
    public void Bytes_come_out_in_order_and_end_of_file_follows_the_last_writer()
    {
        Assert.Equal(3, _rig.Write(_w, "abc"u8.ToArray()));
        Assert.Equal(2, _rig.Write(_w, "de"u8.ToArray()));
        Assert.Equal(5, _rig.Read(_r, 100, out var got)); // a read returns what is there, not the count asked
        Assert.Equal("abcde"u8.ToArray(), got);
        Assert.Equal(0, _rig.Call(Close, (ulong)_w));
        Assert.Equal(0, _rig.Read(_r, 100, out _)); // no writer: end of file
    }

    [Fact]
    public void A_write_without_readers_is_EPIPE_and_raises_SIGPIPE()
    {
        Assert.Equal(0, _rig.Call(Close, (ulong)_r));
        Assert.Equal(Err(Errno.EPIPE), _rig.Write(_w, [1]));
        Assert.Equal([SigPipe], _rig.Ctx.Signals);
        Assert.Equal(0, _rig.Call(FsAbi.Write, (ulong)_w, Data, 0)); // a zero-byte write does not look at readers
        Assert.Single(_rig.Ctx.Signals);
    }

    [Fact]
    public void An_empty_read_blocks_on_the_pipe_s_queue_and_the_write_that_fills_it_wakes_the_reader()
    {
        long r = ReadBytes(_r, 10);
        Assert.Equal(TestFsContext.Blocked, r); // the call returns the kernel's sentinel
        Assert.True(FileSyscalls.IsBlocked(r));
        Assert.Single(_rig.Ctx.BlockedOn);
        Assert.Equal(long.MaxValue, _rig.Ctx.BlockedUntil); // no deadline
        Assert.True(_rig.Ctx.Park());
        Assert.Equal(3, _rig.Write(_w, "xyz"u8.ToArray()));
        Assert.Equal(1, _rig.Ctx.Wakes); // the writer woke the parked reader
        Assert.Equal(3, _rig.Again(FsAbi.Read, (ulong)_r, Data, 10)); // the re-executed call completes
    }

    [Fact]
    public void A_wake_between_the_check_and_the_parking_is_not_lost()
    {
        Assert.Equal(TestFsContext.Blocked, ReadBytes(_r, 10));
        _rig.Write(_w, [1]); // lands before the kernel arms the waiter
        Assert.False(_rig.Ctx.Park()); // the generation moved: the kernel re-executes at once
    }

    [Fact]
    public void A_pending_signal_turns_a_block_into_ERESTARTSYS()
    {
        _rig.Ctx.SignalPending = true;
        Assert.Equal(ERestartSys, ReadBytes(_r, 10));
        _rig.Write(_w, [9]);
        Assert.Equal(1, ReadBytes(_r, 10)); // data present: the signal does not matter
    }

    [Fact]
    public void Non_blocking_ends_answer_EAGAIN()
    {
        var (r, w) = NewPipe(ONonblock);
        Assert.Equal(Err(Errno.EAGAIN), ReadBytes(r, 1));
        Assert.Equal(65536, WriteBytes(w, 65536));
        Assert.Equal(Err(Errno.EAGAIN), WriteBytes(w, 1));
        Assert.Equal(ORdOnly | ONonblock, _rig.Call(Fcntl, (ulong)r, FGetfl));
    }

    [Fact]
    public void A_write_of_at_most_PIPE_BUF_bytes_lands_whole_or_not_at_all()
    {
        var (r, w) = NewPipe(ONonblock);
        Assert.Equal(15 * 4096 + 4000, WriteBytes(w, 15 * 4096 + 4000)); // 16 buffers, the last with 96 bytes free
        Assert.Equal(Err(Errno.EAGAIN), WriteBytes(w, 200)); // does not fit the last buffer and no buffer is free
        Assert.Equal(96, WriteBytes(w, 96)); // merges into the last buffer
        Assert.Equal(1, ReadBytes(r, 1));
        Assert.Equal(Err(Errno.EAGAIN), WriteBytes(w, 1)); // the first buffer is not free until it is empty
        Assert.Equal(4095, ReadBytes(r, 4095));
        Assert.Equal(4096, WriteBytes(w, 4096)); // now a whole buffer is free
    }

    [Fact]
    public void A_large_non_blocking_write_is_partial()
    {
        var (_, w) = NewPipe(ONonblock);
        Assert.Equal(15 * 4096, WriteBytes(w, 15 * 4096));
        Assert.Equal(4096, WriteBytes(w, 10000)); // one free buffer: the write fills it and stops
    }

    [Fact]
    public void A_blocking_write_larger_than_the_pipe_resumes_after_the_bytes_it_wrote()
    {
        var data = new byte[100_000];
        new Random(3).NextBytes(data);
        _rig.Ctx.Put(Data, data);
        Assert.Equal(TestFsContext.Blocked, _rig.Call(FsAbi.Write, (ulong)_w, Data, (ulong)data.Length));
        long progress = _rig.Ctx.CallProgress;
        Assert.Equal(65536, progress); // 16 buffers went in before the pipe filled
        var sink = new List<byte>();
        ulong readBuf = Data + 0x20000;
        while (sink.Count < 65536)
        {
            long n = _rig.Call(FsAbi.Read, (ulong)_r, readBuf, 65536);
            sink.AddRange(_rig.Ctx.Get(readBuf, (int)n));
        }
        // The writer's call is re-executed with its slots kept (the reads above were another thread's
        // calls; this context stands for both, so the writer's slot is put back): it continues after byte 65536.
        _rig.Ctx.CallDeadline = FileSyscalls.Unset;
        _rig.Ctx.CallProgress = progress;
        Assert.Equal(100_000, _rig.Again(FsAbi.Write, (ulong)_w, Data, (ulong)data.Length));
        while (sink.Count < data.Length)
        {
            long n = _rig.Call(FsAbi.Read, (ulong)_r, readBuf, 65536);
            sink.AddRange(_rig.Ctx.Get(readBuf, (int)n));
        }
        Assert.Equal(data, sink.ToArray()); // every byte once, in order
    }

    [Fact]
    public void A_signal_during_a_partial_blocking_write_returns_the_bytes_written()
    {
        Assert.Equal(TestFsContext.Blocked, WriteBytes(_w, 70_000));
        _rig.Ctx.SignalPending = true;
        Assert.Equal(65536, _rig.Again(FsAbi.Write, (ulong)_w, Data, 70_000)); // still full, signal: a short write
    }

    [Fact]
    public void Poll_bits_follow_the_pipe_state()
    {
        short Revents(int fd, short events)
        {
            var pfd = new byte[8];
            new PollFd(fd, events, 0).Write(pfd);
            _rig.Ctx.Put(Struct, pfd);
            _rig.Call(FsAbi.Poll, Struct, 1, 0);
            return BinaryPrimitives.ReadInt16LittleEndian(_rig.Ctx.Get(Struct + 6, 2));
        }
        Assert.Equal(0, Revents(_r, PollIn));
        Assert.Equal(PollOut, Revents(_w, PollOut));
        _rig.Write(_w, [1]);
        Assert.Equal(PollIn, Revents(_r, PollIn));
        Assert.Equal(PollIn | PollRdnorm, Revents(_r, PollIn | PollRdnorm));
        _rig.Call(Close, (ulong)_w);
        Assert.Equal(PollIn | PollHup, Revents(_r, PollIn)); // POLLHUP is reported even when not asked
        var (r2, w2) = NewPipe(0);
        _rig.Call(Close, (ulong)r2);
        Assert.Equal(PollOut | PollErr, Revents(w2, PollOut)); // POLLERR: no reader
    }

    [Fact]
    public void Fionread_and_the_pipe_size_commands()
    {
        _rig.Write(_w, new byte[1000]);
        Assert.Equal(0, _rig.Call(FsAbi.Ioctl, (ulong)_r, Fionread, Struct));
        Assert.Equal(1000, _rig.Ctx.GetInt(Struct));
        Assert.Equal(65536, _rig.Call(Fcntl, (ulong)_w, FGetpipeSz));
        Assert.Equal(131072, _rig.Call(Fcntl, (ulong)_w, FSetpipeSz, 100_000)); // rounded up to a power of two of pages
        Assert.Equal(Err(Errno.EPERM), _rig.Call(Fcntl, (ulong)_w, FSetpipeSz, 2 << 20)); // over pipe-max-size
        Assert.Equal(Err(Errno.ENOTTY), _rig.Call(FsAbi.Ioctl, (ulong)_r, Tcgets, Struct));
    }

    [Fact]
    public void A_pipe_is_a_fifo_without_an_offset()
    {
        Assert.Equal(0, _rig.Fstat(_r, out var st));
        Assert.Equal(SIfifo, st.Type);
        Assert.Equal(0x180u, st.Mode & 0xfff);
        Assert.Equal(Err(Errno.ESPIPE), _rig.Call(Lseek, (ulong)_r, 0, SeekCur));
        Assert.Equal(Err(Errno.ESPIPE), _rig.Call(Pread64, (ulong)_r, Data, 1, 0));
        Assert.Equal(Err(Errno.EBADF), ReadBytes(_w, 1)); // the write end is not readable
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Fsync, (ulong)_r));
        Assert.Equal($"pipe:[{st.Ino}]".Length, _rig.Call(Readlink, _rig.Ctx.PutString(PathA, $"/proc/self/fd/{_r}"), Data, 100));
        Assert.Equal($"pipe:[{st.Ino}]", _rig.Ctx.GetString(Data, $"pipe:[{st.Ino}]".Length));
    }

    [Fact]
    public void Bad_pipe2_arguments_leave_no_descriptor_behind()
    {
        int before = _rig.Ctx.Files.Count;
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Pipe2, Struct, 0x1));
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Pipe, Wild));
        Assert.Equal(before, _rig.Ctx.Files.Count);
        Assert.Equal(0, _rig.Call(Pipe2, Struct, OCloexec));
        Assert.Equal(FdCloexec, _rig.Call(Fcntl, (ulong)_rig.Ctx.GetInt(Struct), FGetfd));
    }
}
