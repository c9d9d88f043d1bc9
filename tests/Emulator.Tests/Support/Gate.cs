namespace Emulator.Tests.Support;

/// <summary>
/// A one-shot rendezvous for forcing interleavings: a callback calls <see cref="ArriveAndWait"/>;
/// the test waits for <see cref="Arrived"/>, does what must happen "in between", then
/// <see cref="Open"/>s. Timeouts only turn a hang into a failure.
/// </summary>
internal sealed class Gate
{
    /// <summary>How long a test waits for another thread before it fails.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly ManualResetEventSlim _arrived = new();
    private readonly ManualResetEventSlim _open = new();

    public void ArriveAndWait()
    {
        _arrived.Set();
        if (!_open.Wait(Limit))
        {
            throw new TimeoutException("gate never opened");
        }
    }

    public void WaitArrived()
    {
        if (!_arrived.Wait(Limit))
        {
            throw new TimeoutException("nobody arrived at the gate");
        }
    }

    public bool HasArrived => _arrived.IsSet;

    public void Open() => _open.Set();

    /// <summary>Asserts that <paramref name="task"/> is blocked: it has not completed within a short
    /// grace. (This proves a wait, it does not stand in for synchronisation.)</summary>
    public static void AssertBlocked(Task task, string what) =>
        Assert.False(task.Wait(TimeSpan.FromMilliseconds(100)), $"{what} should be blocked but completed");

    /// <summary>Waits for a worker task (started with Task.Run, so no context to deadlock on) and
    /// rethrows its failure; a hang becomes a failure after the limit.</summary>
    public static void Join(Task task)
    {
        Assert.True(task.Wait(Limit), "worker did not finish");
    }

    public static T Result<T>(Task<T> task)
    {
        Join(task);
        return task.Result;
    }

    public static void AssertCompletes(Task task, string what) =>
        Assert.True(task.Wait(Limit), $"{what} did not complete");
}
