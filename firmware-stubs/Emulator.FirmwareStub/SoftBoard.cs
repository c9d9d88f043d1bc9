using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.FirmwareStub;

/// <summary>
/// The software board: what an FPGA test board with a hardware device ATC is, without the hardware.
/// It holds one <see cref="Atc"/> per SID (made on first ATC_FILL) and the faults to inject; each
/// connection to it is served by a <see cref="SoftBoardSession"/> (docs/wire-protocol.md).
/// </summary>
/// <remarks>
/// <para>The ATCs belong to the board, not to a connection: a host that reconnects finds them as it left
/// them (as with a real board whose USB link dropped), and only RESET empties them. What a connection
/// owns — the handshake, the itags not yet completed, the sequence numbers — goes with it.</para>
/// <para>Thread-safe: sessions run concurrently, and tests read the ATCs and flip <see cref="Faults"/>
/// while they run.</para>
/// </remarks>
public sealed class SoftBoard
{
    /// <summary>SID → that device's ATC. Entries are added, never removed (RESET empties the ATCs); at most
    /// <see cref="SoftBoardOptions.MaxSids"/> of them through <see cref="TryGetOrCreateAtc"/>.</summary>
    private readonly ConcurrentDictionary<uint, Atc> _atcs = new();

    /// <summary>Serialises the creation of ATCs, so the count cannot pass the limit between check and add.</summary>
    private readonly Lock _createLock = new();

    private long _sidsRefused;

    private SoftBoardFaults _faults;
    private long _sessionsStarted;

    /// <summary>Creates a board.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option or a fault is out of range (see
    /// <see cref="SoftBoardOptions"/>, <see cref="SoftBoardFaults"/>).</exception>
    public SoftBoard(SoftBoardOptions? options = null, SoftBoardFaults? faults = null)
    {
        Options = options ?? SoftBoardOptions.Default;
        Options.Validate();
        faults ??= SoftBoardFaults.None;
        faults.Validate();
        _faults = faults;
        Caps = Options.ToCaps();
    }

    public SoftBoardOptions Options { get; }

    /// <summary>What the board answers HELLO with.</summary>
    public CapsPayload Caps { get; }

    /// <summary>The faults every session injects from the next frame it handles on. Any thread.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or the delay is negative.</exception>
    public SoftBoardFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _faults, value);
        }
    }

    /// <summary>Sessions created so far (connections served, for the server's log and tests).</summary>
    public long SessionsStarted => Interlocked.Read(ref _sessionsStarted);

    /// <summary>The ATC of device <paramref name="sid"/>, made empty on first use, whatever the limit
    /// (for tests that inspect the board; the protocol goes through <see cref="TryGetOrCreateAtc"/>). Any thread.</summary>
    public Atc GetAtc(uint sid) => _atcs.GetOrAdd(sid, static (_, geometry) => new Atc(geometry), Options.Geometry);

    /// <summary>The ATC of device <paramref name="sid"/>, made on first use while fewer than
    /// <see cref="SoftBoardOptions.MaxSids"/> SIDs have one. Any thread.</summary>
    /// <returns>False (and counted) when the SID is new and the board is full.</returns>
    public bool TryGetOrCreateAtc(uint sid, [NotNullWhen(true)] out Atc? atc)
    {
        if (_atcs.TryGetValue(sid, out atc))
            return true;
        lock (_createLock)
        {
            if (_atcs.TryGetValue(sid, out atc))
                return true;
            if ((uint)_atcs.Count >= Options.MaxSids)
            {
                Interlocked.Increment(ref _sidsRefused);
                return false;
            }
            atc = new Atc(Options.Geometry);
            _atcs[sid] = atc;
            return true;
        }
    }

    /// <summary>ATC_FILLs refused because they named one SID more than <see cref="SoftBoardOptions.MaxSids"/>.</summary>
    public long SidsRefused => Interlocked.Read(ref _sidsRefused);

    /// <summary>The ATC of device <paramref name="sid"/> if anything was ever filled into it. Any thread.</summary>
    public bool TryGetAtc(uint sid, [NotNullWhen(true)] out Atc? atc) => _atcs.TryGetValue(sid, out atc);

    /// <summary>SIDs that have an ATC, ascending.</summary>
    public uint[] Sids()
    {
        uint[] sids = [.. _atcs.Keys];
        Array.Sort(sids);
        return sids;
    }

    /// <summary>Empties every ATC (RESET). Any thread.</summary>
    public void ResetAtcs()
    {
        foreach (KeyValuePair<uint, Atc> pair in _atcs)
            pair.Value.InvalidateAll();
    }

    /// <summary>A session serving one connection whose bytes arrive on <paramref name="input"/> and whose
    /// replies go to <paramref name="output"/>; start it with <see cref="SoftBoardSession.RunAsync"/>.</summary>
    /// <param name="input">Bytes from the host.</param>
    /// <param name="output">Bytes to the host.</param>
    /// <param name="description">For log messages, e.g. "tcp 127.0.0.1:53122".</param>
    public SoftBoardSession CreateSession(PipeReader input, PipeWriter output, string description = "pipe")
    {
        Interlocked.Increment(ref _sessionsStarted);
        return new SoftBoardSession(this, input, output, description);
    }
}
