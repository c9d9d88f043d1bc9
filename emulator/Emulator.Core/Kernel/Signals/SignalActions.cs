namespace Emulator.Core.Kernel.Signals;

/// <summary>The signal dispositions of a thread group (Linux's <c>sighand_struct</c>): shared by the
/// threads of a process and by a CLONE_SIGHAND child; fork copies them; execve resets caught signals
/// to SIG_DFL and keeps ignored ones.</summary>
internal sealed class SignalActions
{
    private readonly SignalAction[] _actions = new SignalAction[SignalAbi.MaxSignal + 1];

    public ref SignalAction this[int signal] => ref _actions[signal];

    public SignalActions Clone()
    {
        var c = new SignalActions();
        _actions.CopyTo(c._actions, 0);
        return c;
    }

    /// <summary>execve: handlers become SIG_DFL; SIG_IGN stays (signal(7), "Execution of a program").</summary>
    public void ResetForExec()
    {
        for (int s = 1; s <= SignalAbi.MaxSignal; s++)
        {
            if (!_actions[s].IsIgnore)
            {
                _actions[s] = default;
            }
        }
    }
}
