namespace Emulator.Core.Kernel.Fs;

/// <summary>A <see cref="WaitQueue"/> and the generation the system call saw before it decided to
/// block: the kernel parks on the queue only if no wake came in between (see <see cref="WaitQueue.Arm"/>).</summary>
/// <param name="Queue">The queue to park on.</param>
/// <param name="Generation">Its <see cref="WaitQueue.Generation"/>, read before the readiness check.</param>
public readonly record struct WaitToken(WaitQueue Queue, long Generation);
