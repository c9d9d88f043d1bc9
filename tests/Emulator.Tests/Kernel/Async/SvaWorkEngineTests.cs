using Emulator.Core;
using Emulator.Core.Kernel.Devices;
using Emulator.Core.Memory;
using Emulator.Core.Mm;

namespace Emulator.Tests.Kernel.Async;

/// <summary>
/// The asynchronous engine one step at a time: a descriptor's steps (start; per chunk the translation
/// and the access of each buffer as separate steps, then the chunk's end; the completion record's
/// translation and write), several descriptors interleaved by the caller's choice, the bounded queue,
/// the drain rule seen from the engine (an unmap drains exactly the job whose access used the page),
/// and the driver's drain of one PASID's work.
/// </summary>
public sealed class SvaWorkEngineTests
{
    private const int StepsPerChunk = 5; // translate+begin read, complete read, translate+begin write, complete write, end of chunk

    private static SvaWorkEngine Engine(SvaDeviceRig rig, int inFlight = 4, int depth = 32) =>
        new(rig.Dma, new SvaWorkEngineOptions { MaxInFlight = inFlight, QueueDepth = depth });

    private static SvaDescriptor Copy(ulong src, ulong dst, int pages, ulong completion) =>
        new() { Op = SvaOp.Copy, Src = src, Dst = dst, Len = (ulong)pages * Page.Size, Completion = completion };

    private static SvaCompletion Record(SvaDeviceRig rig, ulong va, AddressSpace? mm = null) =>
        SvaCompletion.Read(rig.Get(va, SvaCompletion.Size, mm));

    [Fact]
    public void A_copy_takes_its_steps_in_order_and_writes_the_record_last()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig);
        ulong src = rig.Map(2), dst = rig.Map(2), rec = rig.Map(1);
        rig.Put(src, SvaDeviceRig.Counting(2 * Page.Size, 3));
        Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(src, dst, 2, rec)));

        int expected = 1 + 2 * StepsPerChunk + 2;
        for (int i = 1; i < expected; i++)
        {
            Assert.True(engine.Step(0));
            Assert.Equal(SvaStatus.None, Record(rig, rec).Status);   // nothing visible to the guest yet
            Assert.Equal(1, engine.Pending);
            Assert.True(rig.Dma.InFlight <= 1);                       // one access at a time per job
        }
        Assert.True(engine.Step(0));                                  // the record's write completes
        Assert.False(engine.Step(0));                                 // idle

        Assert.Equal(expected, engine.Steps);
        var c = Record(rig, rec);
        Assert.Equal(SvaStatus.Success, c.Status);
        Assert.Equal(2UL * Page.Size, c.BytesCompleted);
        Assert.Equal(SvaDeviceRig.Counting(2 * Page.Size, 3), rig.Get(dst, 2 * Page.Size));
        Assert.Equal((1L, 1L, 0), (engine.Submitted, engine.Completed, rig.Dma.InFlight));
        Assert.True(engine.IsIdle);
    }

    [Fact]
    public void The_choice_interleaves_the_jobs_in_flight_and_the_rest_wait_in_the_queue()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig, inFlight: 2);
        ulong src = rig.Map(1), rec = rig.Map(1);
        ulong[] dst = [rig.Map(1), rig.Map(1), rig.Map(1)];
        rig.Put(src, SvaDeviceRig.Counting(Page.Size));
        for (int k = 0; k < 3; k++)
        {
            Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(src, dst[k], 1, rec + (ulong)(32 * k))));
        }

        // Job 0 runs alone to its last step; job 1 has started (it was admitted) but not moved; job 2 waits.
        int oneJob = 1 + StepsPerChunk + 2;
        for (int i = 0; i < oneJob - 1; i++)
        {
            engine.Step(0);
        }
        Assert.Equal(3, engine.Pending);
        Assert.Equal(SvaStatus.None, Record(rig, rec + 32).Status);
        engine.Step(0);                                                // job 0 done: job 2 is admitted next step
        Assert.Equal(SvaStatus.Success, Record(rig, rec).Status);
        Assert.Equal(2, engine.Pending);

        // Alternate between the two now in flight: they finish together.
        for (int i = 0; i < 2 * oneJob; i++)
        {
            Assert.True(engine.Step((ulong)i));
        }
        Assert.False(engine.Step(0));
        Assert.Equal(SvaStatus.Success, Record(rig, rec + 32).Status);
        Assert.Equal(SvaStatus.Success, Record(rig, rec + 64).Status);
        Assert.Equal(3 * oneJob, engine.Steps);
    }

    [Fact]
    public void A_full_queue_refuses_the_submission_and_counts_a_retry()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig, inFlight: 1, depth: 2);
        ulong buf = rig.Map(2), rec = rig.Map(1);
        var d = Copy(buf, buf + Page.Size, 1, rec);

        Assert.True(engine.TrySubmit((uint)rig.Pasid, d));
        Assert.True(engine.TrySubmit((uint)rig.Pasid, d));
        Assert.False(engine.TrySubmit((uint)rig.Pasid, d));       // ENQCMD's retry (ZF = 1)
        Assert.Equal((2L, 1L), (engine.Submitted, engine.Retries));

        engine.Step(0);                                             // one admitted: room again
        Assert.True(engine.TrySubmit((uint)rig.Pasid, d));
    }

    [Fact]
    public void An_unmap_drains_exactly_the_job_whose_access_used_the_page()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig, inFlight: 2);
        ulong a = rig.Map(1), b = rig.Map(1), da = rig.Map(1), db = rig.Map(1), rec = rig.Map(1);
        rig.Put(a, SvaDeviceRig.Counting(Page.Size, 1));
        rig.Put(b, SvaDeviceRig.Counting(Page.Size, 2));
        Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(a, da, 1, rec)));
        Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(b, db, 1, rec + 32)));
        // Each job: start, then the source read begins (translated, in flight).
        engine.Step(0); engine.Step(1); engine.Step(0); engine.Step(1);
        Assert.Equal(2, rig.Dma.InFlight);

        Assert.Equal(Errno.Ok, rig.Mm.Munmap(a, Page.Size));

        Assert.Equal(1, rig.Dma.InFlight);                          // job 1's read of b still in flight
        Assert.Equal(1, rig.Dma.DrainedAccesses);                   // job 0's read of a completed first
        Assert.Equal(1, rig.Dma.DrainingInvalidations);
        while (engine.Step(0))
        {
        }
        Assert.Equal(SvaStatus.Success, Record(rig, rec).Status);  // the drained read had the data: the copy is whole
        Assert.Equal(SvaDeviceRig.Counting(Page.Size, 1), rig.Get(da, Page.Size));
        Assert.Equal(SvaDeviceRig.Counting(Page.Size, 2), rig.Get(db, Page.Size));
        Assert.Equal(0, rig.Machine.Oracle.Stale);
    }

    [Fact]
    public void A_source_unmapped_before_the_job_reaches_it_ends_in_a_page_fault_record()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig);
        ulong src = rig.Map(2), dst = rig.Map(2), rec = rig.Map(1);
        rig.Put(src, SvaDeviceRig.Counting(2 * Page.Size));
        Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(src, dst, 2, rec)));
        for (int i = 0; i < 1 + StepsPerChunk; i++)
        {
            engine.Step(0);                                         // the first page copied
        }
        Assert.Equal(Errno.Ok, rig.Mm.Munmap(src + Page.Size, Page.Size));
        while (engine.Step(0))
        {
        }

        var c = Record(rig, rec);
        Assert.Equal(SvaStatus.PageFault, c.Status);
        Assert.Equal(src + Page.Size, c.FaultAddr);
        Assert.Equal((ulong)Page.Size, c.BytesCompleted);
        Assert.False(c.FaultWasWrite);
        Assert.Equal(SvaDeviceRig.Counting(Page.Size), rig.Get(dst, Page.Size));
    }

    [Fact]
    public void Draining_a_pasid_finishes_its_work_and_leaves_the_others()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig, inFlight: 2);
        Assert.Equal(Errno.Ok, rig.Machine.CreateAddressSpace(out var other));
        long otherPasid = rig.File.Ioctl(other!, SvaAbi.Bind, 0);
        Assert.True(otherPasid > 0 && otherPasid != rig.Pasid);
        ulong src = rig.Map(1), rec = rig.Map(1);
        ulong osrc = rig.Map(1, other), odst = rig.Map(1, other), orec = rig.Map(1, other);
        rig.Put(src, SvaDeviceRig.Counting(Page.Size));
        ulong[] dst = [rig.Map(1), rig.Map(1), rig.Map(1)];
        Assert.True(engine.TrySubmit((uint)otherPasid, Copy(osrc, odst, 1, orec)));
        for (int k = 0; k < 3; k++)
        {
            Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(src, dst[k], 1, rec + (ulong)(32 * k))));
        }
        engine.Step(0); engine.Step(1);                             // both admitted jobs started

        engine.DrainPasid((uint)rig.Pasid);

        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(SvaStatus.Success, Record(rig, rec + (ulong)(32 * k)).Status);
        }
        Assert.Equal(1, engine.Pending);                            // the other process's job, untouched
        Assert.Equal(SvaStatus.None, Record(rig, orec, other).Status);
        Assert.Equal(3, engine.Completed);
        while (engine.Step(0))
        {
        }
        Assert.Equal(SvaStatus.Success, Record(rig, orec, other).Status);
    }

    [Fact]
    public void A_descriptor_without_a_valid_record_address_is_dropped_and_counted()
    {
        var rig = new SvaDeviceRig();
        var engine = Engine(rig);
        ulong buf = rig.Map(2);
        Assert.True(engine.TrySubmit((uint)rig.Pasid, Copy(buf, buf + Page.Size, 1, completion: 0x1008)));

        Assert.True(engine.Step(0));
        Assert.False(engine.Step(0));

        Assert.Equal((1L, 1L), (engine.Completed, engine.CompletionsLost));
    }
}
