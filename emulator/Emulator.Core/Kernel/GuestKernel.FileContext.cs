using Emulator.Core.Kernel.Fs;
using Emulator.Core.Kernel.Signals;
using Emulator.Core.Memory;

namespace Emulator.Core.Kernel;

public sealed partial class GuestKernel
{
    /// <summary>What <see cref="ThreadContext.Block"/> returns: below -4095, so the file layer and
    /// <see cref="FileSyscalls.IsBlocked"/> recognise it.</summary>
    private const long FileBlocked = long.MinValue + 2;

    /// <summary>The file layer's view of a guest thread (<see cref="IFileSyscallContext"/>), and how that
    /// thread sleeps on the file layer's wait queues (<see cref="IWaitQueueWaiter"/>,
    /// <see cref="IWaitChannel"/>). One per thread, made on its first file call.</summary>
    private sealed class ThreadContext(GuestKernel kernel, GuestThread thread) : IFileSyscallContext, IWaitQueueWaiter, IWaitChannel
    {
        /// <summary>The tokens the current call gave <see cref="Block"/>, and the deadline.</summary>
        public readonly List<WaitToken> Tokens = [];
        public long Deadline = long.MaxValue;

        /// <summary>The queues the sleeping thread is armed on.</summary>
        private readonly List<WaitQueue> _armed = [];

        private GuestProcess P => thread.Process;

        public Errno ReadUser(ulong va, Span<byte> destination) => CopyFromUser(P.Mm, va, destination);

        public Errno WriteUser(ulong va, ReadOnlySpan<byte> source) => kernel.CopyToUser(P.Mm, va, source);

        public FdTable Files => P.Files;

        public FsContext Fs => P.Fs;

        public int Pid => P.Pid;

        public int Tid => thread.Tid;

        public uint Uid => kernel._options.Image.Euid;

        public uint Gid => kernel._options.Image.Egid;

        public long NowNanoseconds => kernel.Now;

        public long RealtimeNanoseconds => kernel.Now + kernel.RealtimeOffset;

        public void RaiseSignal(int signal) =>
            kernel.SendThreadSignal(thread, SigInfo.FromUser(signal, SignalAbi.SiUser, P.Pid, kernel._options.Image.Uid));

        public bool SignalPending => ((thread.Pending.Mask | P.SharedPending.Mask) & ~thread.SignalMask) != 0;

        public void SetCallSignalMask(ulong mask)
        {
            thread.SavedSignalMask ??= thread.SignalMask;
            thread.SignalMask = mask & ~SignalAbi.Unblockable;
        }

        public IProcessView Process => kernel.ViewOf(P);

        public long Block(ReadOnlySpan<WaitToken> tokens, long deadlineNanoseconds)
        {
            Tokens.Clear();
            foreach (var t in tokens)
            {
                Tokens.Add(t);
            }
            Deadline = deadlineNanoseconds;
            return FileBlocked;
        }

        public ref long CallDeadline => ref thread.CallDeadline;

        public ref long CallProgress => ref thread.CallProgress;

        public FdTable UnshareFiles() => P.Files;

        /// <summary>Arms the thread on every token's queue; false (nothing armed) when a queue was woken
        /// since the call looked at it, so the call must run again at once.</summary>
        public bool Arm()
        {
            foreach (var token in Tokens)
            {
                if (!token.Queue.Arm(this, token.Generation))
                {
                    Disarm();
                    return false;
                }
                _armed.Add(token.Queue);
            }
            return true;
        }

        private void Disarm()
        {
            foreach (var q in _armed)
            {
                q.Disarm(this);
            }
            _armed.Clear();
        }

        public void Woken(WaitQueue queue)
        {
            if (thread.State == GuestThreadState.Blocked && thread.BlockedOn == this)
            {
                kernel.Wake(thread, null);
            }
        }

        public void Remove(GuestThread t) => Disarm();
    }

    /// <summary>What /proc/self shows of a process.</summary>
    private sealed class ProcessView(GuestKernel kernel, GuestProcess p) : IProcessView
    {
        public int Pid => p.Pid;

        public int ParentPid => p.Parent?.Pid ?? 0;

        public string ExePath => p.ExePath;

        public string Comm => p.Threads.Count > 0 ? p.Threads[0].Comm : Basename(p.ExePath);

        public string Maps() => kernel.ProcMaps(p);

        public ReadOnlySpan<byte> Cmdline => p.Cmdline;

        public ReadOnlySpan<byte> Environ => p.Environ;

        public int Threads => p.Threads.Count;

        public ulong VirtualBytes
        {
            get
            {
                ulong total = 0;
                foreach (var vma in p.Mm.Vmas())
                {
                    total += vma.End - vma.Start;
                }
                return total;
            }
        }

        public ulong ResidentBytes
        {
            get
            {
                ulong pages = 0;
                foreach (var vma in p.Mm.Vmas())
                {
                    for (ulong va = vma.Start; va < vma.End; va += Page.Size)
                    {
                        pages += p.Mm.LeafEntry(va).Present ? 1UL : 0;
                    }
                }
                return pages * Page.Size;
            }
        }

        public FdTable Files => p.Files;
    }

    private ThreadContext ContextOf(GuestThread t) => (ThreadContext)(t.FileContext ??= new ThreadContext(this, t));

    private ProcessView ViewOf(GuestProcess p) => (ProcessView)(p.View ??= new ProcessView(this, p));
}
