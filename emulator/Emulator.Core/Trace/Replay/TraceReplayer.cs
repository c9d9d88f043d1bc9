using Emulator.Core.Iommu;
using Emulator.Core.Mm;
using Emulator.Core.Paging;
using Emulator.Core.Pcie;
using Emulator.Core.Smmu;
using Emulator.Core.Sva;

namespace Emulator.Core.Trace.Replay;

/// <summary>
/// Runs a parsed v1 trace (docs/trace-format.md) against a fresh <see cref="Machine"/> and checks
/// every expectation: actions without <c>=&gt;</c> must succeed, <c>=&gt; RESULT</c> is compared
/// with the outcome, <c>expect</c> statements with the ATC and the cumulative counters.
/// </summary>
/// <remarks>
/// <para>Unmet expectations are values (<see cref="ReplayFailure"/>, <c>file:line: expected … got
/// …</c>); the replay goes on after one, so a run reports all of them. An exception thrown by the
/// emulator is a bug, not a trace outcome: it becomes a failure at its line and ends the replay,
/// since the machine's state after it is unknown.</para>
/// <para>Unless the trace has an <c>expect count stale ...</c>, any stale access (or ATC entry
/// granting what the CPU page table does not) fails the trace at the statement that first caused one.</para>
/// <para>One instance replays one trace; it is not thread-safe and is not reused. <see cref="Run(string, ParseResult, ReplayOptions?)"/>
/// replays a parsed file; <see cref="Start"/>, <see cref="Step"/> and <see cref="Finish"/> drive it one statement at a time.</para>
/// </remarks>
public sealed partial class TraceReplayer
{
    /// <summary>Bytes moved per CPU or DMA access of a large <c>read</c>, <c>write</c> or <c>dma</c>.</summary>
    private const int ChunkSize = 64 * 1024;

    private readonly string _file;
    private readonly ReplayOptions _options;
    private readonly List<ReplayFailure> _failures = [];
    private readonly Dictionary<string, AddressSpace> _processes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Device, string Process), BindingState> _bindings = [];
    private readonly List<EventRecord> _eventScratch = [];
    private readonly byte[] _buffer = new byte[ChunkSize];
    private readonly byte[] _expected = new byte[ChunkSize];

    private MachineOptions _machineOptions;
    private Machine? _machine;
    private long _dmaFaults;
    private long _cpuFaults;
    private long _events;
    private long _staleSeen;
    private int _firstStaleLine;
    private string? _firstStale;
    private int _run;
    private bool _staleExpected;
    private bool _stopped;
    private bool _finished;
    private ReplayResult? _result;

    private TraceReplayer(string file, ReplayOptions options)
    {
        _file = file;
        _options = options;
        _machineOptions = options.Defaults with { Inject = options.Defaults.Inject | options.Inject };
    }

    /// <summary>Replays <paramref name="parsed"/> on a new machine.</summary>
    /// <param name="file">The trace's path, used in every <see cref="ReplayFailure"/>.</param>
    /// <param name="parsed">A successful parse: nothing from a malformed file is replayed.</param>
    /// <param name="options">Machine defaults and extra fault injection; null for the defaults.</param>
    /// <exception cref="ArgumentException"><paramref name="parsed"/> has errors.</exception>
    public static ReplayResult Run(string file, ParseResult parsed, ReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(parsed);
        if (!parsed.Success)
        {
            throw new ArgumentException($"{file} did not parse ({parsed.Errors.Count} errors); malformed traces are not replayed", nameof(parsed));
        }
        return new TraceReplayer(file, options ?? new ReplayOptions()).Run(parsed.Statements);
    }

    /// <summary>Parses <paramref name="text"/> as <paramref name="file"/> and replays it.</summary>
    /// <exception cref="ArgumentException">The text is malformed; the message lists the parse errors.</exception>
    public static ReplayResult Run(string file, string text, ReplayOptions? options = null)
    {
        var parsed = TraceParser.Parse(file, text);
        if (!parsed.Success)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, parsed.Errors), nameof(text));
        }
        return Run(file, parsed, options);
    }

    private ReplayResult Run(IReadOnlyList<Statement> statements)
    {
        foreach (var s in statements)
        {
            Step(s);
            if (_stopped)
            {
                break;
            }
        }
        return Finish();
    }

    /// <summary>
    /// Starts a replay driven one statement at a time: <see cref="Step"/> each statement, then
    /// <see cref="Finish"/>. This is how <see cref="TraceRecorder"/> runs what it records, so a
    /// recording and its replay go through the same code.
    /// </summary>
    /// <param name="file">Named in every <see cref="ReplayFailure"/>.</param>
    /// <param name="options">Machine defaults and extra fault injection; null for the defaults.</param>
    public static TraceReplayer Start(string file, ReplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return new TraceReplayer(file, options ?? new ReplayOptions());
    }

    /// <summary>Runs one statement and checks its expectation (unmet ones are in <see cref="Finish"/>'s result).</summary>
    /// <returns>What an action did; <see cref="ActionOutcome.Ok"/> for set-up statements and checks.
    /// After an emulator exception (a bug) the replay is stopped: that statement and every later one
    /// return <see cref="ActionOutcomeKind.Broken"/>.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Finish"/> was called.</exception>
    public ActionOutcome Step(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (_finished)
        {
            throw new InvalidOperationException("the replay has finished");
        }
        if (_stopped)
        {
            return ActionOutcome.Broken("the replay stopped after an emulator exception");
        }
        _run++;
        if (statement is ExpectCountStatement { Counter: TraceCounter.Stale })
        {
            _staleExpected = true;
        }
        ActionOutcome outcome;
        try
        {
            outcome = Execute(statement);
        }
        catch (Exception ex)
        {
            Fail(statement, $"expected {DescribeExpected(statement)} got exception {ex.GetType().Name}: {ex.Message} ({TraceWriter.Format(statement)}); replay stopped");
            _stopped = true;
            return ActionOutcome.Broken($"exception {ex.GetType().Name}: {ex.Message}");
        }
        AfterStatement(statement);
        return outcome;
    }

    /// <summary>Ends the replay: adds the end-of-trace stale check (unless a statement was
    /// <c>expect count stale ...</c>) and returns the result. Later calls return the same result.</summary>
    public ReplayResult Finish()
    {
        if (_result is not null)
        {
            return _result;
        }
        _finished = true;
        var counters = Counters();
        if (!_staleExpected && counters.Stale > 0)
        {
            _failures.Add(new ReplayFailure(_file, _firstStaleLine,
                $"expected no stale access got {counters.Stale} (first: {_firstStale}); a trace that expects them says so with `expect count stale ...`"));
        }
        _result = new ReplayResult(_file, _failures.ToArray(), counters, _run);
        return _result;
    }

    /// <summary>The machine (null until the first <c>process</c> or <c>device</c> statement builds it).</summary>
    public Machine? Machine => _machine;

    /// <summary>The counters now (cumulative from the start).</summary>
    public ReplayCounters CurrentCounters => Counters();

    /// <summary>The address space of the process a trace calls <paramref name="name"/>; null if there is none.</summary>
    public AddressSpace? Process(string name) => _processes.GetValueOrDefault(name);

    /// <summary>The endpoint a trace calls <paramref name="name"/>; null if there is none (or adding it failed).</summary>
    public DmaDevice? Device(string name) => _devices.GetValueOrDefault(name)?.Device;

    /// <summary>The PASID <paramref name="device"/> uses for <paramref name="process"/>: its current
    /// bond's, or after the last unbind the one it had; null if it was never bound.</summary>
    public uint? Pasid(string device, string process) => _bindings.GetValueOrDefault((device, process))?.LastPasid;

    private ActionOutcome Execute(Statement s)
    {
        switch (s)
        {
            case TraceHeader:
                return ActionOutcome.Ok;
            case MachineStatement m:
                Configure(m);
                return ActionOutcome.Ok;
            case ProcessStatement p:
                AddProcess(p);
                return ActionOutcome.Ok;
            case DeviceStatement d:
                AddDevice(d);
                return ActionOutcome.Ok;
            case ActionStatement a:
                var outcome = Perform(a);
                Check(a, outcome);
                return outcome;
            case ExpectAtcStatement e:
                CheckAtc(e);
                return ActionOutcome.Ok;
            case ExpectCountStatement c:
                CheckCount(c);
                return ActionOutcome.Ok;
            default:
                Fail(s, $"expected a v1 statement got {s.GetType().Name}, which this replayer does not run");
                return ActionOutcome.Broken($"{s.GetType().Name} is not a v1 statement");
        }
    }

    /// <summary>Applies a <c>machine</c> statement; the parser only accepts one before any other statement.</summary>
    private void Configure(MachineStatement m)
    {
        if (_machine is not null)
        {
            Fail(m, "expected machine before the first process or device got it after the machine was built");
            return;
        }
        var o = _machineOptions;
        if (m.Ram is { } ram)
        {
            o = o with { RamSize = ram };
        }
        if (m.Paging is { } paging)
        {
            o = o with { Paging = paging == 5 ? PagingMode.FiveLevel : PagingMode.FourLevel };
        }
        if (m.AtcEntries is { } atc)
        {
            o = o with { AtcEntries = ToInt(m, "atc-entries", atc) };
        }
        if (m.IotlbEntries is { } iotlb)
        {
            o = o with { IotlbEntries = ToInt(m, "iotlb-entries", iotlb) };
        }
        if (m.CmdqEntries is { } cmdq)
        {
            o = o with { CmdqEntries = ToInt(m, "cmdq-entries", cmdq) };
        }
        _machineOptions = o with { Inject = o.Inject | m.Inject };
    }

    private int ToInt(Statement s, string key, ulong value)
    {
        if (value > int.MaxValue)
        {
            Fail(s, $"expected {key} at most {int.MaxValue} got {value}");
            return int.MaxValue;
        }
        return (int)value;
    }

    private Machine EnsureMachine() => _machine ??= new Machine(_machineOptions);

    private void AddProcess(ProcessStatement p)
    {
        var err = EnsureMachine().CreateAddressSpace(out var mm);
        if (err != Errno.Ok)
        {
            Fail(p, $"expected process {p.Name} created got error {err}");
            return;
        }
        _processes[p.Name] = mm!;
    }

    private void AddDevice(DeviceStatement d)
    {
        int pasidBits = d.PasidBits ?? _options.DefaultPasidBits;
        var err = EnsureMachine().AddDevice(d.Sid, d.Ats, d.Pri, pasidBits, out var device);
        _devices[d.Name] = new DeviceState(device, new SvaDevice(d.Sid, pasidBits), err);
        if (err != Errno.Ok)
        {
            Fail(d, $"expected device {d.Name} added got error {err}");
        }
    }

    /// <summary>Drains the event queue and notes the first statement after which the oracle saw staleness.</summary>
    private void AfterStatement(Statement s)
    {
        var driver = _machine?.SmmuDriver;
        if (driver is not null)
        {
            _events += driver.DrainEvents(_eventScratch);
            _eventScratch.Clear();
        }
        if (_machine is null)
        {
            return;
        }
        var oracle = _machine.Oracle;
        long stale = oracle.Stale + oracle.Violations;
        if (stale > _staleSeen && _firstStaleLine == 0 && _firstStale is null)
        {
            _firstStaleLine = s.Line;
            var accesses = oracle.StaleAccesses;
            var violations = oracle.AtcViolations;
            _firstStale = accesses.Length > 0 ? accesses[0].ToString()
                : violations.Length > 0 ? violations[0].ToString()
                : "not recorded";
        }
        _staleSeen = stale;
    }

    /// <summary>The cumulative counters now.</summary>
    private ReplayCounters Counters()
    {
        long atcInv = 0, tlbi = 0, cfgi = 0, sync = 0, pri = 0, stale = 0;
        var driver = _machine?.SmmuDriver;
        if (driver is not null)
        {
            var st = driver.Stats;
            atcInv = st.Commands(CommandOpcode.AtcInv);
            tlbi = st.Commands(CommandOpcode.TlbiNhAll) + st.Commands(CommandOpcode.TlbiNhAsid)
                + st.Commands(CommandOpcode.TlbiNhVa) + st.Commands(CommandOpcode.TlbiNhVaa)
                + st.Commands(CommandOpcode.TlbiEl2All) + st.Commands(CommandOpcode.TlbiS12Vmall)
                + st.Commands(CommandOpcode.TlbiNsnhAll);
            cfgi = st.Commands(CommandOpcode.CfgiSte) + st.Commands(CommandOpcode.CfgiSteRange)
                + st.Commands(CommandOpcode.CfgiCd) + st.Commands(CommandOpcode.CfgiCdAll);
            sync = st.Commands(CommandOpcode.Sync);
        }
        foreach (var d in _devices.Values)
        {
            pri += d.Device?.PriRequests ?? 0;
        }
        if (_machine is not null)
        {
            stale = _machine.Oracle.Stale + _machine.Oracle.Violations;
        }
        return new ReplayCounters(atcInv, tlbi, cfgi, sync, pri, _dmaFaults, _cpuFaults, _events, stale);
    }

    private void Fail(Statement s, string message) => _failures.Add(new ReplayFailure(_file, s.Line, message));

    /// <summary>A declared device: <see cref="Device"/> is null when <c>AddDevice</c> failed with <see cref="AddError"/>.</summary>
    private sealed record DeviceState(DmaDevice? Device, SvaDevice Sva, Errno AddError);

    /// <summary>The bonds of one (device, process) pair: <c>bind</c> pushes, <c>unbind</c> pops (SVA
    /// bonds are reference counted). <see cref="LastPasid"/> survives the last unbind, so a DMA or an
    /// ATC check afterwards uses the PASID the device was given, as a device that missed the unbind would.</summary>
    private sealed class BindingState
    {
        public readonly List<SvaBond> Bonds = [];
        public uint? LastPasid;
    }
}
