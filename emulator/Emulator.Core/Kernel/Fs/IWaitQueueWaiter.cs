namespace Emulator.Core.Kernel.Fs;

/// <summary>Something parked on a <see cref="WaitQueue"/>: the kernel's blocked thread.</summary>
public interface IWaitQueueWaiter
{
    /// <summary>The queue was woken. Called once per arming, outside the queue's lock, on the thread that
    /// changed the object's state (possibly another guest thread's host thread); it must not block. The
    /// kernel makes the parked thread runnable so it re-executes its system call.</summary>
    /// <param name="queue">The queue that was woken.</param>
    void Woken(WaitQueue queue);
}
