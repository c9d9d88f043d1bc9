namespace Emulator.Core.Kernel;

/// <summary>Something threads sleep on (a futex bucket, a wait queue); the kernel removes a sleeper
/// from it when the sleep ends another way (a deadline, a signal, the thread being killed).</summary>
internal interface IWaitChannel
{
    /// <summary>Forgets <paramref name="thread"/> if it is waiting here.</summary>
    void Remove(GuestThread thread);
}
