using System.Buffers.Binary;
using System.Runtime.Versioning;
using Emulator.Core;
using Emulator.Core.Kernel.Fs;
using static Emulator.Core.Kernel.Fs.FsAbi;
using static Emulator.Tests.Kernel.Fs.FsRig;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>poll, ppoll, select and pselect6: readiness, POLLNVAL/EBADF, and timeouts that keep their
/// original deadline across re-executions (the per-call deadline slot).</summary>
[SupportedOSPlatform("linux")]
public sealed class PollTests : IDisposable
{
    private const long Ms = 1_000_000;
    private readonly FsRig _rig = new();
    private readonly int _r;
    private readonly int _w;

    public PollTests()
    {
        Assert.Equal(0, _rig.Call(Pipe2, Struct, 0));
        (_r, _w) = (_rig.Ctx.GetInt(Struct), _rig.Ctx.GetInt(Struct + 4));
    }

    public void Dispose() => _rig.Dispose();

    private ulong PollFds(params (int Fd, short Events)[] entries)
    {
        var b = new byte[entries.Length * 8];
        for (int i = 0; i < entries.Length; i++)
        {
            new PollFd(entries[i].Fd, entries[i].Events, 0x7777).Write(b.AsSpan(i * 8));
        }
        return _rig.Ctx.Put(Struct, b);
    }

    private short Revents(int index) => BinaryPrimitives.ReadInt16LittleEndian(_rig.Ctx.Get(Struct + (ulong)(index * 8) + 6, 2));

    [Fact]
    public void A_poll_timeout_keeps_its_first_deadline_across_re_executions_then_returns_0()
    {
        ulong fds = PollFds((_r, PollIn));
        long start = _rig.Ctx.NowNanoseconds;
        Assert.Equal(TestFsContext.Blocked, _rig.Call(FsAbi.Poll, fds, 1, 100));
        Assert.Equal(start + 100 * Ms, _rig.Ctx.BlockedUntil);
        _rig.Ctx.NowNanoseconds += 60 * Ms; // woken early (a spurious wake): the call runs again
        Assert.Equal(TestFsContext.Blocked, _rig.Again(FsAbi.Poll, fds, 1, 100));
        Assert.Equal(start + 100 * Ms, _rig.Ctx.BlockedUntil); // not 60 + 100
        _rig.Ctx.NowNanoseconds += 40 * Ms;
        Assert.Equal(0, _rig.Again(FsAbi.Poll, fds, 1, 100)); // the deadline passed: 0, nothing ready
        Assert.Equal(0, Revents(0));
    }

    [Fact]
    public void Poll_reports_ready_entries_and_POLLNVAL_without_blocking()
    {
        int file = (int)_rig.Open("f", OCreat | ORdWr);
        ulong fds = PollFds((_r, PollIn), (_w, PollOut), (-1, PollIn), (42, PollIn), (file, PollIn | PollOut));
        Assert.Equal(3, _rig.Call(FsAbi.Poll, fds, 5, unchecked((ulong)-1L)));
        Assert.Equal(0, Revents(0)); // empty pipe
        Assert.Equal(PollOut, Revents(1));
        Assert.Equal(0, Revents(2)); // negative fd: ignored
        Assert.Equal(PollNval, Revents(3)); // not open
        Assert.Equal(PollIn | PollOut, Revents(4)); // a regular file is always ready
        Assert.Equal(0, _rig.Ctx.Blocks);
    }

    [Fact]
    public void An_infinite_poll_blocks_on_every_pipe_queue_and_the_write_wakes_it()
    {
        Assert.Equal(0, _rig.Call(Pipe2, Struct + 0x100, 0));
        int r2 = _rig.Ctx.GetInt(Struct + 0x100);
        ulong fds = PollFds((_r, PollIn), (r2, PollIn));
        Assert.Equal(TestFsContext.Blocked, _rig.Call(FsAbi.Poll, fds, 2, unchecked((ulong)-1L)));
        Assert.Equal(long.MaxValue, _rig.Ctx.BlockedUntil);
        Assert.Equal(2, _rig.Ctx.BlockedOn.Length); // one queue per pipe
        Assert.True(_rig.Ctx.Park());
        _rig.Write(_w, [1]);
        Assert.Equal(1, _rig.Ctx.Wakes);
        fds = PollFds((_r, PollIn), (r2, PollIn));
        Assert.Equal(1, _rig.Again(FsAbi.Poll, fds, 2, unchecked((ulong)-1L)));
        Assert.Equal(PollIn, Revents(0));
    }

    [Fact]
    public void Poll_argument_errors()
    {
        Assert.Equal(0, _rig.Call(FsAbi.Poll, 0, 0, 0)); // nothing, no time: 0
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(FsAbi.Poll, Struct, 1025, 0)); // over RLIMIT_NOFILE
        Assert.Equal(Err(Errno.EFAULT), _rig.Call(FsAbi.Poll, Wild, 1, 0));
    }

    [Fact]
    public void Poll_with_no_descriptors_and_a_timeout_is_a_sleep()
    {
        Assert.Equal(TestFsContext.Blocked, _rig.Call(FsAbi.Poll, 0, 0, 20));
        Assert.Empty(_rig.Ctx.BlockedOn);
        _rig.Ctx.NowNanoseconds += 20 * Ms;
        Assert.Equal(0, _rig.Again(FsAbi.Poll, 0, 0, 20));
    }

    [Fact]
    public void Ppoll_installs_the_mask_writes_back_the_time_left_and_restarts_on_a_signal()
    {
        ulong fds = PollFds((_r, PollIn));
        ulong ts = Struct + 0x200;
        var t = new byte[16];
        new Timespec(1, 0).Write(t);
        _rig.Ctx.Put(ts, t);
        ulong mask = _rig.Ctx.Put(Struct + 0x300, BitConverter.GetBytes(1UL << 9));
        Assert.Equal(TestFsContext.Blocked, _rig.Call(Ppoll, fds, 1, ts, mask, 8));
        Assert.Equal(1UL << 9, _rig.Ctx.CallSignalMask);
        _rig.Ctx.NowNanoseconds += 300 * Ms;
        _rig.Ctx.SignalPending = true;
        Assert.Equal(ERestartNoHand, _rig.Again(Ppoll, fds, 1, ts, mask, 8));
        Assert.Equal(new Timespec(0, 700 * Ms), Timespec.Read(_rig.Ctx.Get(ts, 16))); // the time left
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Ppoll, fds, 1, ts, mask, 16)); // sigsetsize must be 8
        new Timespec(0, 2_000_000_000).Write(t);
        _rig.Ctx.Put(ts, t);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Ppoll, fds, 1, ts, 0, 8)); // tv_nsec out of range
    }

    [Fact]
    public void Select_reports_ready_bits_and_clears_the_others()
    {
        int file = (int)_rig.Open("f", OCreat | ORdWr);
        ulong readSet = Struct, writeSet = Struct + 0x80;
        var rs = new byte[128];
        rs[_r / 8] |= (byte)(1 << (_r % 8));
        rs[file / 8] |= (byte)(1 << (file % 8));
        var ws = new byte[128];
        ws[_w / 8] |= (byte)(1 << (_w % 8));
        _rig.Ctx.Put(readSet, rs);
        _rig.Ctx.Put(writeSet, ws);
        Assert.Equal(2, _rig.Call(Select, (ulong)(file + 1), readSet, writeSet, 0, 0)); // the file readable, the pipe writable
        var got = _rig.Ctx.Get(readSet, 8);
        Assert.Equal(0, got[_r / 8] & (1 << (_r % 8))); // the empty pipe's bit is cleared
        Assert.NotEqual(0, got[file / 8] & (1 << (file % 8)));
        rs[60 / 8] |= 1 << (60 % 8);
        _rig.Ctx.Put(readSet, rs);
        Assert.Equal(Err(Errno.EBADF), _rig.Call(Select, 61, readSet, 0, 0, 0)); // fd 60 is not open
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Select, unchecked((ulong)-1L), 0, 0, 0, 0));
    }

    [Fact]
    public void Select_timeout_returns_0_with_empty_sets_and_the_time_left_written_back()
    {
        ulong readSet = Struct;
        var rs = new byte[8];
        rs[0] = (byte)(1 << _r);
        _rig.Ctx.Put(readSet, rs);
        ulong tv = Struct + 0x100;
        var t = new byte[16];
        new Timeval(0, 50_000).Write(t);
        _rig.Ctx.Put(tv, t);
        Assert.Equal(TestFsContext.Blocked, _rig.Call(Select, (ulong)(_r + 1), readSet, 0, 0, tv));
        _rig.Ctx.NowNanoseconds += 50 * Ms;
        Assert.Equal(0, _rig.Again(Select, (ulong)(_r + 1), readSet, 0, 0, tv));
        Assert.Equal(0, _rig.Ctx.Get(readSet, 1)[0]); // the set comes back empty
        Assert.Equal(new Timeval(0, 0), Timeval.Read(_rig.Ctx.Get(tv, 16)));
    }

    [Fact]
    public void Pselect6_takes_its_mask_from_the_sixth_argument()
    {
        ulong sig = Struct + 0x200, set = Struct + 0x300;
        _rig.Ctx.Put(set, BitConverter.GetBytes(1UL << 1));
        var arg = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(arg, set);
        BinaryPrimitives.WriteUInt64LittleEndian(arg.AsSpan(8), 8);
        _rig.Ctx.Put(sig, arg);
        Assert.Equal(TestFsContext.Blocked, _rig.Call(Pselect6, 0, 0, 0, 0, 0, sig));
        Assert.Equal(1UL << 1, _rig.Ctx.CallSignalMask);
        BinaryPrimitives.WriteUInt64LittleEndian(arg.AsSpan(8), 4);
        _rig.Ctx.Put(sig, arg);
        Assert.Equal(Err(Errno.EINVAL), _rig.Call(Pselect6, 0, 0, 0, 0, 0, sig));
    }
}
