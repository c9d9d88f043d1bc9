using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>
/// The second pass of <see cref="StraceImporter"/>: turns the log's calls, in order, into trace
/// statements, keeping a model of every address space (<see cref="RegionMap"/>) so that each
/// statement does on the emulated mm what the call did on the real one.
/// </summary>
/// <remarks>
/// <para><b>Tasks and processes.</b> Every pid is a <see cref="StraceTask"/>; tasks that share an mm
/// (CLONE_VM: threads, vfork and posix_spawn children) share one <see cref="ProcessModel"/>, which
/// is one trace <c>process</c>. A clone without CLONE_VM is <c>fork PARENT CHILD</c>. A successful
/// execve gives the task a new process (<c>p1234_1</c>); the old one exits when its last task is
/// gone. A child's lines may come before its parent's <c>&lt;... clone resumed&gt;</c>; the first
/// pass knows every clone's result, so the fork is written at whichever comes first.</para>
/// <para><b>Processes are declared lazily</b>, at their first memory call or fork, so an image that
/// only execs again (a shell looking a command up in PATH) leaves nothing in the trace.</para>
/// </remarks>
internal sealed partial class StraceConverter
{
    private readonly StraceImportOptions _options;
    private readonly Dictionary<string, int> _approximations;
    private readonly AddressSpaceOptions _mm = new();
    private readonly List<Statement> _out = [];
    private readonly Dictionary<int, StraceTask> _tasks = [];
    private readonly Dictionary<int, List<int>> _clonesByChild = [];
    private readonly HashSet<int> _clonesDone = [];
    private readonly Dictionary<int, int> _generations = [];
    private readonly List<(ulong Start, ulong End)> _holes = [];
    private readonly List<KeyValuePair<ulong, ProbedPage>> _moved = [];
    private List<StraceEvent> _events = [];
    private int _nextSharedId;
    private bool _aliasedUnprefixed;

    public StraceConverter(StraceImportOptions options, Dictionary<string, int> approximations)
    {
        _options = options;
        _approximations = approximations;
    }

    /// <summary>Trace processes declared so far.</summary>
    public int Processes { get; private set; }

    private string? Device => _options.Device;

    public List<Statement> Convert(List<StraceEvent> events)
    {
        _events = events;
        _out.Add(new TraceHeader(1));
        if (Device is not null)
        {
            _out.Add(new DeviceStatement(Device, 1, Ats: true, Pri: true));
        }
        for (int i = 0; i < events.Count; i++)
        {
            var c = events[i].Call;
            if (!events[i].Exited && c.Syscall is StraceSyscall.Clone or StraceSyscall.Fork or StraceSyscall.Vfork &&
                c.Succeeded && c.ReturnValue is > 0 and <= int.MaxValue)
            {
                if (!_clonesByChild.TryGetValue((int)c.ReturnValue, out var list))
                {
                    list = [];
                    _clonesByChild[(int)c.ReturnValue] = list;
                }
                list.Add(i);
            }
        }
        for (int i = 0; i < events.Count; i++)
        {
            Handle(i);
        }
        if (Device is not null && RamNeeded() is ulong ram)
        {
            _out.Insert(1, new MachineStatement(Ram: ram));
        }
        return _out;
    }

    private void Handle(int index)
    {
        var e = _events[index];
        if (e.Exited)
        {
            if (_tasks.TryGetValue(e.Pid, out var dead))
            {
                Kill(dead);
            }
            return;
        }
        var call = e.Call;
        switch (call.Syscall)
        {
            case StraceSyscall.Clone:
            case StraceSyscall.Fork:
            case StraceSyscall.Vfork:
                if (!_clonesDone.Contains(index) && call.Succeeded && call.ReturnValue is > 0 and <= int.MaxValue)
                {
                    Spawn(TaskFor(e.Pid), call, (int)call.ReturnValue, index);
                }
                return;
            case StraceSyscall.Execve:
                if (call.Succeeded)
                {
                    Exec(TaskFor(e.Pid));
                }
                return;
            case StraceSyscall.Exit:
                Kill(TaskFor(e.Pid));
                return;
            case StraceSyscall.ExitGroup:
                KillGroup(TaskFor(e.Pid));
                return;
            default:
                Memory(TaskFor(e.Pid).Process, call);
                return;
        }
    }

    /// <summary>The live task of <paramref name="pid"/>: an existing one, a clone child whose clone
    /// has not completed yet in the log (forked now), the unprefixed lines' task under its real pid,
    /// or a new process.</summary>
    /// <remarks>A child's parent may itself be such a child, and so on: the chain is walked up
    /// iteratively (a log may chain thousands; recursion overflowed the stack, found by the fuzzer),
    /// each clone claimed as it is met, so a cycle of clones (100 clones 101, 101 clones 100) ends.</remarks>
    private StraceTask TaskFor(int pid)
    {
        if (_tasks.TryGetValue(pid, out var task) && task.Alive)
        {
            return task;
        }
        List<(int Child, int Clone)>? chain = null;
        int current = pid;
        StraceTask? root = null;
        while (true)
        {
            if (chain is not null && _tasks.TryGetValue(current, out var live) && live.Alive)
            {
                root = live;
                break;
            }
            int clone = PendingClone(current);
            if (clone < 0)
            {
                break;
            }
            _clonesDone.Add(clone);
            (chain ??= []).Add((current, clone));
            current = _events[clone].Pid;
        }
        root ??= NewTask(current);
        for (int i = (chain?.Count ?? 0) - 1; i >= 0; i--)
        {
            root = Spawn(root, _events[chain![i].Clone].Call, chain[i].Child, chain[i].Clone);
        }
        return root;
    }

    /// <summary>The first clone (an event index) whose child is <paramref name="pid"/> and which has
    /// not been applied yet; -1 when there is none.</summary>
    private int PendingClone(int pid)
    {
        if (_clonesByChild.TryGetValue(pid, out var clones))
        {
            foreach (int j in clones)
            {
                if (!_clonesDone.Contains(j))
                {
                    return j;
                }
            }
        }
        return -1;
    }

    /// <summary>A task for a pid nobody cloned (or whose clones are all used): the unprefixed lines'
    /// task under its real pid, or a new process.</summary>
    private StraceTask NewTask(int pid)
    {
        // strace -f writing to stderr prefixes lines with [pid N] only once a second task exists:
        // the first new pid that is nobody's child is the unprefixed task.
        if (pid != 0 && !_aliasedUnprefixed && _tasks.TryGetValue(0, out var first) && first.Alive)
        {
            _aliasedUnprefixed = true;
            _tasks[pid] = first;
            return first;
        }
        var task = new StraceTask(pid, pid, new ProcessModel(NewName(pid)) { Tasks = 1 });
        _tasks[pid] = task;
        return task;
    }

    private StraceTask Spawn(StraceTask parent, in StraceCall call, int childTid, int cloneIndex)
    {
        _clonesDone.Add(cloneIndex);
        var flags = call.Syscall == StraceSyscall.Fork ? StraceCloneFlags.None : call.CloneFlags;
        StraceTask child;
        if ((flags & StraceCloneFlags.Vm) != 0)
        {
            parent.Process.Tasks++;
            child = new StraceTask(childTid, (flags & StraceCloneFlags.Thread) != 0 ? parent.Tgid : childTid, parent.Process);
        }
        else
        {
            Declare(parent.Process);
            var process = parent.Process.Fork(NewName(childTid));
            process.Tasks = 1;
            _out.Add(new ForkStatement(parent.Process.Name, process.Name));
            Processes++;
            if (Device is not null)
            {
                _out.Add(new BindStatement(Device, process.Name));
            }
            child = new StraceTask(childTid, childTid, process);
        }
        _tasks[childTid] = child;
        return child;
    }

    /// <summary>execve replaces the mm of the whole thread group: the other threads end (de_thread)
    /// and the task starts a new, empty process.</summary>
    private void Exec(StraceTask task)
    {
        foreach (var other in _tasks.Values)
        {
            if (other != task && other.Alive && other.Tgid == task.Tgid)
            {
                Kill(other);
            }
        }
        var old = task.Process;
        if (old.Tasks == 1 && !old.Declared)
        {
            return; // nothing of it was written: the new image can keep the name
        }
        Release(old);
        task.Process = new ProcessModel(NewName(task.Tid)) { Tasks = 1 };
    }

    private void Kill(StraceTask task)
    {
        if (!task.Alive)
        {
            return;
        }
        task.Alive = false;
        Release(task.Process);
    }

    private void KillGroup(StraceTask task)
    {
        foreach (var t in _tasks.Values)
        {
            if (t.Alive && t.Tgid == task.Tgid)
            {
                Kill(t);
            }
        }
        Kill(task);
    }

    /// <summary>One task less on <paramref name="process"/>; the last one exits it. The device is
    /// unbound after the exit, as a driver's file is closed after exit_mm (traces/exit-before-unbind.trace).</summary>
    private void Release(ProcessModel process)
    {
        if (--process.Tasks > 0 || !process.Declared || process.Exited)
        {
            return;
        }
        process.Exited = true;
        _out.Add(new ExitStatement(process.Name));
        if (Device is not null)
        {
            _out.Add(new UnbindStatement(Device, process.Name));
        }
    }

    private void Declare(ProcessModel process)
    {
        if (process.Declared)
        {
            return;
        }
        process.Declared = true;
        _out.Add(new ProcessStatement(process.Name));
        Processes++;
        if (Device is not null)
        {
            _out.Add(new BindStatement(Device, process.Name));
        }
    }

    /// <summary><c>p1234</c> for a pid's first process, <c>p1234_1</c>, <c>p1234_2</c>… after each execve (or pid reuse).</summary>
    private string NewName(int tid)
    {
        int generation = _generations.GetValueOrDefault(tid);
        _generations[tid] = generation + 1;
        return generation == 0 ? $"p{tid}" : $"p{tid}_{generation}";
    }

    private void Count(string reason) => StraceImporter.Count(_approximations, reason);
}
