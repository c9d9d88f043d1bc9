using System.CommandLine;
using System.Globalization;
using System.Net;
using Emulator.Core.Pcie;
using Emulator.Core.Wire;

namespace Emulator.FirmwareStub;

/// <summary>
/// <c>firmware-stub [--listen HOST:PORT] [--unix PATH] [board options] [fault options]</c>: serves a
/// software board until Ctrl+C or SIGTERM. Prints one "listening on tcp 127.0.0.1:7700" /
/// "listening on unix PATH" line per endpoint on stdout once bound. Exit 0 after a signal, 1 when an
/// endpoint cannot be bound, 2 for bad options.
/// </summary>
internal static class StubCommand
{
    public const int Stopped = 0;
    public const int CannotListen = 1;
    public const int Usage = 2;

    public const string DefaultListen = "127.0.0.1:7700";

    /// <summary>The options, already split from the command line.</summary>
    internal sealed record StubArgs
    {
        public string? Listen { get; init; }
        public string? Unix { get; init; }
        public string BoardId { get; init; } = "0x" + SoftBoardOptions.DefaultBoardId.ToString("X16", CultureInfo.InvariantCulture);
        public int AtcEntries { get; init; } = AtcGeometry.DefaultEntries;
        public int AtcWays { get; init; } = AtcGeometry.DefaultWays;
        public int AtcRanged { get; init; } = AtcGeometry.DefaultRangedEntries;
        public long MaxBatch { get; init; } = SoftBoardOptions.DefaultMaxBatch;
        public long MaxOutstanding { get; init; } = SoftBoardOptions.DefaultMaxOutstanding;
        public int DropEvery { get; init; }
        public string? DropType { get; init; }
        public int DelayMs { get; init; }
        public int CorruptCrcEvery { get; init; }
        public int DisconnectAfter { get; init; }
        public bool NeverComplete { get; init; }

        public bool IgnoreInvalidations { get; init; }

        public int MaxConnections { get; init; } = new SoftBoardOptions().MaxConnections;
        public long MaxSids { get; init; } = new SoftBoardOptions().MaxSids;
        public int IdleTimeoutMs { get; init; } = (int)new SoftBoardOptions().IdleTimeout.TotalMilliseconds;
        public int HandshakeTimeoutMs { get; init; } = (int)new SoftBoardOptions().HandshakeTimeout.TotalMilliseconds;
    }

    /// <summary>The root command; its action runs <see cref="Run"/> until SIGINT/SIGTERM.</summary>
    /// <param name="stdout">The "listening on" lines (default <see cref="Console.Out"/>).</param>
    /// <param name="stderr">Option and bind errors (default <see cref="Console.Error"/>).</param>
    public static RootCommand Create(TextWriter? stdout = null, TextWriter? stderr = null)
    {
        var listen = new Option<string?>("--listen") { Description = $"TCP HOST:PORT to listen on (port 0: any free one); default {DefaultListen} when --unix is not given either" };
        var unix = new Option<string?>("--unix") { Description = "Unix domain socket path to listen on" };
        var boardId = new Option<string>("--board-id") { Description = "CAPS boardId, decimal or 0x-hex", DefaultValueFactory = _ => new StubArgs().BoardId };
        var entries = new Option<int>("--atc-entries") { Description = "4 KiB ATC entries per SID (ways × a power of two)", DefaultValueFactory = _ => AtcGeometry.DefaultEntries };
        var ways = new Option<int>("--atc-ways") { Description = "ATC associativity", DefaultValueFactory = _ => AtcGeometry.DefaultWays };
        var ranged = new Option<int>("--atc-ranged") { Description = "ranged (> 4 KiB) ATC entries per SID", DefaultValueFactory = _ => AtcGeometry.DefaultRangedEntries };
        var maxBatch = new Option<long>("--max-batch") { Description = "CAPS maxBatch: ATC_INVs between SYNCs", DefaultValueFactory = _ => SoftBoardOptions.DefaultMaxBatch };
        var maxOutstanding = new Option<long>("--max-outstanding") { Description = "CAPS maxOutstanding: ATC_INVs not yet completed", DefaultValueFactory = _ => SoftBoardOptions.DefaultMaxOutstanding };
        var dropEvery = new Option<int>("--drop-every") { Description = "Fault: drop every Nth received frame (of --drop-type if given)" };
        var dropType = new Option<string?>("--drop-type") { Description = "Fault: the frame type --drop-every counts, e.g. atc-inv, sync, 0x02" };
        var delay = new Option<int>("--delay-ms") { Description = "Fault: hold each read's replies this many milliseconds" };
        var corrupt = new Option<int>("--corrupt-crc-every") { Description = "Fault: flip the CRC of every Nth frame sent" };
        var disconnect = new Option<int>("--disconnect-after") { Description = "Fault: close each connection after N received frames" };
        var never = new Option<bool>("--never-complete") { Description = "Fault: apply ATC_INVs but never complete them, never SYNC_ACK" };
        var ignore = new Option<bool>("--ignore-invalidations") { Description = "Fault: complete ATC_INVs without applying them (a lying board; only lockstep sees it)" };
        var defaults = new StubArgs();
        var maxConnections = new Option<int>("--max-connections") { Description = "CAPS maxConnections: connections served at once; one more gets ERROR overrun", DefaultValueFactory = _ => defaults.MaxConnections };
        var maxSids = new Option<long>("--max-sids") { Description = "CAPS maxSids: SIDs with an ATC; an ATC_FILL for one more gets ERROR overrun", DefaultValueFactory = _ => defaults.MaxSids };
        var idle = new Option<int>("--idle-timeout-ms") { Description = "Close a connection silent this long (0: never)", DefaultValueFactory = _ => defaults.IdleTimeoutMs };
        var handshake = new Option<int>("--handshake-timeout-ms") { Description = "Close a connection without HELLO this long after it opened", DefaultValueFactory = _ => defaults.HandshakeTimeoutMs };
        var root = new RootCommand("firmware-stub: the software ATC test board; serves the board wire protocol (docs/wire-protocol.md)")
        {
            listen, unix, boardId, entries, ways, ranged, maxBatch, maxOutstanding, dropEvery, dropType, delay, corrupt, disconnect, never, ignore,
            maxConnections, maxSids, idle, handshake,
        };
        root.SetAction(parse =>
        {
            var args = new StubArgs
            {
                Listen = parse.GetValue(listen),
                Unix = parse.GetValue(unix),
                BoardId = parse.GetValue(boardId) ?? new StubArgs().BoardId,
                AtcEntries = parse.GetValue(entries),
                AtcWays = parse.GetValue(ways),
                AtcRanged = parse.GetValue(ranged),
                MaxBatch = parse.GetValue(maxBatch),
                MaxOutstanding = parse.GetValue(maxOutstanding),
                DropEvery = parse.GetValue(dropEvery),
                DropType = parse.GetValue(dropType),
                DelayMs = parse.GetValue(delay),
                CorruptCrcEvery = parse.GetValue(corrupt),
                DisconnectAfter = parse.GetValue(disconnect),
                NeverComplete = parse.GetValue(never),
                IgnoreInvalidations = parse.GetValue(ignore),
                MaxConnections = parse.GetValue(maxConnections),
                MaxSids = parse.GetValue(maxSids),
                IdleTimeoutMs = parse.GetValue(idle),
                HandshakeTimeoutMs = parse.GetValue(handshake),
            };
            using var stop = new CancellationTokenSource();
            using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);
            return Run(args, stdout ?? Console.Out, stderr ?? Console.Error, stop.Token);

            void Stop(System.Runtime.InteropServices.PosixSignalContext context)
            {
                context.Cancel = true; // we exit by ourselves, after closing the sockets
                stop.Cancel();
            }
        });
        return root;
    }

    /// <summary>Runs the stub until <paramref name="stop"/> fires; <paramref name="stdout"/> gets the
    /// "listening on" lines, <paramref name="stderr"/> option and bind errors.</summary>
    internal static int Run(StubArgs args, TextWriter stdout, TextWriter stderr, CancellationToken stop)
    {
        if (!TryBuild(args, out IPEndPoint? tcp, out SoftBoard? board, out string? error))
        {
            stderr.WriteLine("firmware-stub: " + error);
            return Usage;
        }
        SoftBoardServer server;
        try
        {
            server = SoftBoardServer.Start(board, tcp, args.Unix);
        }
        catch (IOException e)
        {
            stderr.WriteLine(e.Message);
            return CannotListen;
        }
        foreach (string address in server.Addresses)
            stdout.WriteLine("listening on " + address);
        stdout.Flush();
        stop.WaitHandle.WaitOne();
        server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return Stopped;
    }

    internal static bool TryBuild(StubArgs args, out IPEndPoint? tcp, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SoftBoard? board, out string? error)
    {
        tcp = null;
        board = null;
        string? listen = args.Listen ?? (args.Unix is null ? DefaultListen : null);
        if (args.Unix is not null && !UnixSocketPath.Check(args.Unix, out string? unixError))
        {
            error = "--unix: " + unixError;
            return false;
        }
        if (listen is not null && !TryParseEndPoint(listen, out tcp))
        {
            error = $"--listen {listen}: expected HOST:PORT, e.g. 127.0.0.1:7700 or [::1]:7700";
            return false;
        }
        if (!TryParseUInt64(args.BoardId, out ulong boardId))
        {
            error = $"--board-id {args.BoardId}: expected a decimal or 0x-hex 64-bit number";
            return false;
        }
        MessageType? dropType = null;
        if (args.DropType is not null)
        {
            if (!TryParseMessageType(args.DropType, out MessageType type))
            {
                error = $"--drop-type {args.DropType}: expected a message type such as atc-inv, sync, atc-fill, or a number such as 0x02";
                return false;
            }
            dropType = type;
        }
        try
        {
            var options = new SoftBoardOptions
            {
                BoardId = boardId,
                Geometry = new AtcGeometry(args.AtcEntries, args.AtcWays, args.AtcRanged),
                MaxBatch = checked((uint)args.MaxBatch),
                MaxOutstanding = checked((uint)args.MaxOutstanding),
                MaxConnections = checked((ushort)args.MaxConnections),
                MaxSids = checked((uint)args.MaxSids),
                IdleTimeout = TimeSpan.FromMilliseconds(args.IdleTimeoutMs),
                HandshakeTimeout = TimeSpan.FromMilliseconds(args.HandshakeTimeoutMs),
            };
            var faults = new SoftBoardFaults
            {
                DropEveryNth = args.DropEvery,
                DropType = dropType,
                ReplyDelay = TimeSpan.FromMilliseconds(args.DelayMs),
                CorruptCrcEveryNthSent = args.CorruptCrcEvery,
                DisconnectAfterFrames = args.DisconnectAfter,
                NeverComplete = args.NeverComplete,
                IgnoreInvalidations = args.IgnoreInvalidations,
            };
            board = new SoftBoard(options, faults);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            error = e.Message;
            return false;
        }
        error = null;
        return true;
    }

    /// <summary>"127.0.0.1:7700", "[::1]:7700", "localhost:7700".</summary>
    internal static bool TryParseEndPoint(string text, out IPEndPoint? endPoint)
    {
        endPoint = null;
        int colon = text.LastIndexOf(':');
        if (colon > 0 && text[..colon].Equals("localhost", StringComparison.OrdinalIgnoreCase)
            && ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
        {
            endPoint = new IPEndPoint(IPAddress.Loopback, port);
            return true;
        }
        // IPEndPoint.TryParse accepts a bare address (port 0); a port is required here.
        if (colon < 0 || text.EndsWith(']') || !IPEndPoint.TryParse(text, out IPEndPoint? parsed))
            return false;
        endPoint = parsed;
        return true;
    }

    internal static bool TryParseUInt64(string text, out ulong value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>"atc-inv", "ATC_INV", "AtcInv" or a number ("0x02", "2").</summary>
    internal static bool TryParseMessageType(string text, out MessageType type)
    {
        if (TryParseUInt64(text, out ulong number) && number <= byte.MaxValue)
        {
            type = (MessageType)number;
            return true;
        }
        string name = text.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        return Enum.TryParse(name, ignoreCase: true, out type) && Enum.IsDefined(type) && !char.IsDigit(name[0]);
    }
}
