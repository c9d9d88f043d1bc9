using Emulator.Core;
using Emulator.Core.Kernel.Fs;

namespace Emulator.Tests.Kernel.Fs;

/// <summary>The descriptor table: numbering, limits, sharing of descriptions, fork and exec.</summary>
public class FdTableTests
{
    /// <summary>A description that counts its closes.</summary>
    private sealed class Probe() : FileDescription(FsAbi.ORdWr, "probe")
    {
        public int Closed { get; private set; }

        protected override void OnLastClose() => Closed++;

        public override Errno Stat(out FileStat stat)
        {
            stat = default;
            return Errno.Ok;
        }
    }

    [Fact]
    public void New_descriptors_take_the_lowest_free_number()
    {
        var t = new FdTable();
        Assert.Equal(0, t.Install(new Probe(), false));
        Assert.Equal(1, t.Install(new Probe(), false));
        Assert.Equal(2, t.Install(new Probe(), false));
        Assert.Equal(Errno.Ok, t.Close(1));
        Assert.Equal(1, t.Install(new Probe(), false)); // the hole is reused first
        Assert.Equal(5, t.Install(new Probe(), false, minFd: 5)); // F_DUPFD's lower bound
        Assert.Equal(3, t.Install(new Probe(), false));
    }

    [Fact]
    public void The_table_is_full_at_RLIMIT_NOFILE_and_grows_past_its_first_allocation()
    {
        var t = new FdTable { Limit = 200 };
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(i, t.Install(new Probe(), false));
        }
        Assert.Equal(-(int)Errno.EMFILE, t.Install(new Probe(), false)); // fd 200 would reach the limit
        Assert.False(t.HasFree());
        Assert.Equal(256, t.Capacity); // grown 64 → 128 → 256, as Linux's max_fds
    }

    [Fact]
    public void Close_of_a_free_number_is_EBADF_and_the_last_close_releases_the_description()
    {
        var t = new FdTable();
        var p = new Probe();
        int fd = t.Install(p, false);
        Assert.Equal(7, t.Duplicate(fd, 7, closeOnExec: false));
        Assert.Equal(Errno.Ok, t.Close(fd));
        Assert.Equal(0, p.Closed); // fd 7 still refers to it
        Assert.Equal(Errno.Ok, t.Close(7));
        Assert.Equal(1, p.Closed);
        Assert.Equal(Errno.EBADF, t.Close(7));
        Assert.Equal(Errno.EBADF, t.Close(-1));
    }

    [Fact]
    public void Duplicate_replaces_the_target_and_checks_its_range()
    {
        var t = new FdTable();
        var a = new Probe();
        var b = new Probe();
        t.Install(a, false);
        t.Install(b, false);
        Assert.Equal(1, t.Duplicate(0, 1, closeOnExec: true));
        Assert.Equal(1, b.Closed); // dup2 closed what fd 1 held
        Assert.Same(a, t.Peek(1));
        Assert.True(t.GetCloseOnExec(1));
        Assert.Equal(-(int)Errno.EBADF, t.Duplicate(5, 6, false)); // old not open
        Assert.Equal(-(int)Errno.EBADF, t.Duplicate(0, 1024, false)); // new ≥ RLIMIT_NOFILE
    }

    [Fact]
    public void Clone_shares_descriptions_and_CloseOnExec_closes_only_marked_ones()
    {
        var t = new FdTable();
        var keep = new Probe();
        var drop = new Probe();
        t.Install(keep, false);
        t.Install(drop, closeOnExec: true);
        var child = t.Clone();
        Assert.Equal(2, keep.References); // parent and child
        child.CloseOnExec();
        Assert.Null(child.Peek(1));
        Assert.Same(keep, child.Peek(0));
        Assert.Equal(0, drop.Closed); // the parent still has it
        t.CloseAll();
        Assert.Equal(1, drop.Closed);
        Assert.Equal(0, keep.Closed);
        child.CloseAll();
        Assert.Equal(1, keep.Closed);
    }

    [Fact]
    public void CloseRange_closes_or_marks_the_open_descriptors_of_the_range()
    {
        var t = new FdTable();
        var probes = Enumerable.Range(0, 6).Select(_ => new Probe()).ToArray();
        foreach (var p in probes)
        {
            t.Install(p, false);
        }
        t.CloseRange(2, 3, cloexecOnly: true);
        Assert.True(t.GetCloseOnExec(2));
        Assert.False(t.GetCloseOnExec(4));
        t.CloseRange(4, uint.MaxValue, cloexecOnly: false);
        Assert.Equal([0, 1, 2, 3], t.OpenDescriptors());
        Assert.Equal(1, probes[5].Closed);
    }
}
