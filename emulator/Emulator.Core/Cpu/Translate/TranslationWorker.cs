using System.Collections.Concurrent;
using System.Diagnostics;
using Emulator.Core.Memory;
using Emulator.Core.Paging;

namespace Emulator.Core.Cpu.Translate;

/// <summary>
/// The process's background translator: one low-priority thread that analyses, emits and compiles
/// the regions vCPUs decoded (<see cref="CpuOptions.BackgroundTranslation"/>), so a vCPU keeps
/// interpreting while its hot code compiles instead of waiting milliseconds for the .NET JIT.
/// </summary>
/// <remarks>Exactness does not depend on when a region arrives: a region is exact whenever it is
/// entered, and the vCPU's thread installs it only while its page is alive (see
/// <see cref="CodeCache.InstallCompleted"/>). What runs translated, and when, varies with host
/// timing; what the guest sees does not.</remarks>
internal static class TranslationWorker
{
    private static readonly BlockingCollection<TranslationJob> s_queue = [];
    private static readonly NLog.Logger s_log = Diagnostics.Log.For("cpu");
    private static readonly Lazy<Thread> s_thread = new(Start);

    /// <summary>Queues <paramref name="job"/>; its result goes to its owner's completed queue.</summary>
    public static void Enqueue(TranslationJob job)
    {
        _ = s_thread.Value;
        s_queue.Add(job);
    }

    private static Thread Start()
    {
        var thread = new Thread(Loop)
        {
            IsBackground = true,
            Name = "guest-translator",
            Priority = ThreadPriority.BelowNormal,
        };
        thread.Start();
        return thread;
    }

    private static void Loop()
    {
        // A vCPU of its own to call each new region once with no budget: that makes the .NET JIT
        // compile it here rather than on the vCPU's thread at its first entry.
        var warm = new Cpu(new Mmu(new PhysicalMemory(Page.Size), PagingMode.FourLevel, WalkOptions.Default),
            new CpuOptions { Mode = CpuMode.Interpret });
        foreach (TranslationJob job in s_queue.GetConsumingEnumerable())
        {
            long start = Stopwatch.GetTimestamp();
            if (!job.Page.Dead)
            {
                try
                {
                    job.Region = Cpu.Compile(job.Decoded, warm);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A translator bug must not take the run (or this thread, and with it every
                    // later translation) down: the interpreter keeps running the code. The
                    // synchronous path, which the tests use, still throws.
                    s_log.Error(e, "translator: the region at {Entry:x} was not translated ({Message}); the interpreter runs it",
                        job.Decoded.Entry, e.Message);
                    job.Region = null;
                }
            }
            job.Ticks += Stopwatch.GetTimestamp() - start;
            job.Owner.Complete(job);
        }
    }
}
