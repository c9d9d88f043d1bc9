using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Emulator.Board;
using Emulator.Board.Transport;
using Emulator.Core.Pcie;
using Emulator.FirmwareStub;

namespace Emulator.Cli.Bench;

/// <summary>
/// <c>board-batched-tcp</c>: ATC invalidations per second through one <see cref="BoardLink"/> to the
/// software board over loopback TCP, in batches of 256 ATC_INVs each ended by a SYNC that is waited for
/// (every invalidation completed by the board's INV_COMPLETE before that issuer's next batch), issued by
/// two threads at once — two CPUs unmapping, each CMD_SYNC covering its own batch, the way a multi-CPU
/// kernel drives the SMMU. The single-issuer figure is in the detail.
/// </summary>
internal sealed class BoardBatchedTcpBenchmark : Benchmark
{
    private const int Batch = 256;
    private const int Issuers = 2;

    public override string Name => "board-batched-tcp";
    public override string Unit => "ops/s";
    public override double Target => 2e6;
    public override string Description => "ATC_INVs to the firmware stub over loopback TCP, 256 per SYNC, each SYNC completed, 2 issuing CPUs";

    public override BenchResult Run(bool quick)
    {
        var board = new SoftBoard(new SoftBoardOptions { MaxBatch = 4096, MaxOutstanding = 4096 });
        var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            using var link = new BoardLink(SocketConnector.Tcp(server.TcpEndPoint!), new BoardOptions { MaxBatch = 4096, MaxOutstanding = 4096, HeartbeatInterval = TimeSpan.Zero });
            var atc = board.GetAtc(1);
            for (int i = 0; i < 64; i++)
            {
                atc.Insert(new AtcEntry(5, 0x10_0000 + (ulong)i * 0x1000, 12, 0x8000_0000 + (ulong)i * 0x1000, AtsPermissions.Read, false, 0));
            }
            double seconds = quick ? 0.3 : 1.0;
            Measure(link, 1, seconds / 2); // warm-up
            double single = 0, both = 0;
            for (int round = 0; round < (quick ? 2 : 3); round++)
            {
                single = Math.Max(single, Measure(link, 1, seconds));
                both = Math.Max(both, Measure(link, Issuers, seconds));
            }
            var st = link.Stats;
            if (st.SyncTimeouts > 0 || st.Completed != st.Invalidations)
            {
                throw new InvalidOperationException($"{Name}: {st.SyncTimeouts} SYNC timeouts, {st.Invalidations - st.Completed} invalidations not completed");
            }
            return Result(both, $"one issuer {single:0.00e0} ops/s; {st.Invalidations} ATC_INVs, {st.Syncs} SYNCs, {st.Resent} re-sent, board applied {board.GetAtc(1).Invalidations}");
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Invalidations per second with <paramref name="issuers"/> threads each doing batch + SYNC for <paramref name="seconds"/>.</summary>
    private static double Measure(BoardLink link, int issuers, double seconds)
    {
        long ops = 0;
        int timeouts = 0;
        var sw = Stopwatch.StartNew();
        var threads = new Thread[issuers];
        for (int t = 0; t < issuers; t++)
        {
            ulong first = (ulong)t << 8;
            threads[t] = new Thread(() =>
            {
                ulong va = first;
                long mine = 0;
                while (sw.Elapsed.TotalSeconds < seconds)
                {
                    for (int i = 0; i < Batch; i++)
                    {
                        link.Invalidate(new AtcInvalidation(1, 5, false, 0x10_0000 + (va++ & 0x1ff) * 0x1000, 12));
                    }
                    if (link.Sync(TimeSpan.FromSeconds(5)) != AtcSyncResult.Complete)
                    {
                        Interlocked.Increment(ref timeouts);
                    }
                    mine += Batch;
                }
                Interlocked.Add(ref ops, mine);
            }) { IsBackground = true, Name = "bench issuer" };
            threads[t].Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        if (timeouts > 0)
        {
            throw new InvalidOperationException($"board-batched-tcp: {timeouts} SYNCs timed out");
        }
        return ops / sw.Elapsed.TotalSeconds;
    }
}

/// <summary>
/// <c>board-sync-rtt</c>: one ATC_INV + SYNC round trip through <see cref="BoardLink"/> to the software
/// board over loopback TCP, as a ratio of a raw socket ping-pong (a 40-byte request and a 24-byte reply
/// between two blocking sockets, one echo thread) measured in the same run. Lower is better.
/// </summary>
internal sealed class BoardSyncRttBenchmark : Benchmark
{
    public override string Name => "board-sync-rtt";
    public override string Unit => "x";
    public override double Target => 2;
    public override bool HigherIsBetter => false;
    public override string Description => "one synchronous ATC_INV + SYNC round trip over loopback TCP, as a multiple of a raw socket ping-pong";

    public override BenchResult Run(bool quick)
    {
        int rounds = quick ? 2000 : 10000;
        double raw = double.MaxValue, ours = double.MaxValue;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            raw = Math.Min(raw, RawPingPong(rounds));
            ours = Math.Min(ours, LinkRoundTrip(rounds));
        }
        return Result(ours / raw, $"ATC_INV+SYNC {ours * 1e6:0.0} µs, raw ping-pong {raw * 1e6:0.0} µs (best of 3 × {rounds} round trips)");
    }

    /// <summary>Seconds per round trip of the raw ping-pong.</summary>
    private static double RawPingPong(int rounds)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        server.NoDelay = true;
        var echo = new Thread(() =>
        {
            var buf = new byte[40];
            var reply = new byte[24];
            for (int i = 0; i < rounds + 100; i++)
            {
                ReadExactly(server, buf);
                server.Send(reply);
            }
        }) { IsBackground = true };
        echo.Start();
        var request = new byte[40];
        var answer = new byte[24];
        for (int i = 0; i < 100; i++)
        {
            client.Send(request);
            ReadExactly(client, answer);
        }
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < rounds; i++)
        {
            client.Send(request);
            ReadExactly(client, answer);
        }
        double seconds = sw.Elapsed.TotalSeconds / rounds;
        echo.Join();
        return seconds;
    }

    private static void ReadExactly(Socket s, byte[] buffer)
    {
        for (int got = 0; got < buffer.Length;)
        {
            int n = s.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
            if (n == 0)
            {
                throw new IOException("ping-pong peer closed");
            }
            got += n;
        }
    }

    /// <summary>Seconds per Invalidate + Sync through the link to the stub server.</summary>
    private static double LinkRoundTrip(int rounds)
    {
        var board = new SoftBoard();
        var server = SoftBoardServer.Start(board, new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            using var link = new BoardLink(SocketConnector.Tcp(server.TcpEndPoint!), new BoardOptions { HeartbeatInterval = TimeSpan.Zero });
            var inv = new AtcInvalidation(1, 5, false, 0x10_0000, 12);
            for (int i = 0; i < 100; i++)
            {
                link.Invalidate(inv);
                link.Sync(TimeSpan.FromSeconds(5));
            }
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < rounds; i++)
            {
                link.Invalidate(inv);
                if (link.Sync(TimeSpan.FromSeconds(5)) != AtcSyncResult.Complete)
                {
                    throw new InvalidOperationException("board-sync-rtt: a SYNC timed out");
                }
            }
            return sw.Elapsed.TotalSeconds / rounds;
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
