using System.Net.Sockets;
using Emulator.Core.Wire;
using Emulator.Fuzz.Soak;
using Emulator.Tests.Hw;
using Xunit.Abstractions;

namespace Emulator.Tests.Hardening;

/// <summary>The soak: floods of valid and garbage frames from many connections at once, then the
/// server still answers HELLO, in bounded memory and threads — the firmware stub as a real process
/// (its own /proc figures), and the gateware's board-sim when Verilator is here.</summary>
[Trait("Category", "Soak")]
public sealed class StubSoakTests(ITestOutputHelper output)
{
    private const int Seed = 20_260_620;

    private static string StubBinary => Path.Combine(AppContext.BaseDirectory, "firmware-stub");

    private static readonly Dictionary<string, string> Quiet = new() { ["EMULATOR_LOG"] = "error" };

    [Fact]
    public async Task Stub_survives_a_flood_from_64_connections_and_answers_hello_in_bounded_memory()
    {
        using var stub = ServerProcess.Start(StubBinary, ["--listen", "127.0.0.1:0", "--max-connections", "48", "--max-sids", "1024"], environment: Quiet);
        SoakResult soak = await BoardSoak.RunAsync(stub.EndPoint, connections: 64, TimeSpan.FromSeconds(4), Seed);
        long peak = stub.PeakMemory, threads = stub.Threads;
        CapsPayload? caps = await BoardSoak.ProbeAsync(stub.EndPoint, TimeSpan.FromSeconds(5));
        output.WriteLine($"{soak.FramesSent} frames ({soak.FramesPerSecond:0}/s), {soak.Connections} connections, {soak.Closed} closed; peak {peak >> 20} MiB, {threads} threads");
        // Still alive and answering HELLO after the flood…
        Assert.False(stub.HasExited, stub.Stop());
        Assert.NotNull(caps);
        // …having taken real traffic. (The 16 connections over the limit are refused when the stub
        // reaches them in its accept queue; on a loaded machine that may be after the 4 s, so their
        // refusal is StubServerLimitTests' to prove, deterministically, not this flood's.)
        Assert.InRange(soak.FramesSent, 20_000, long.MaxValue);
        // …in bounded memory (1,024 SIDs of ATCs, 48 sessions of 1 MiB input and 256 KiB output at most)
        // and threads (one receive thread per session, 48 at most, plus the runtime's).
        Assert.InRange(peak, 0, 512L << 20);
        Assert.InRange(threads, 1, 48 + 40);
    }

    [Fact]
    public async Task Stub_out_of_descriptors_keeps_serving_and_recovers()
    {
        // The runtime holds about 67 descriptors of its own: 96 leaves room for about 25 connections.
        using var stub = ServerProcess.Start(StubBinary, ["--listen", "127.0.0.1:0", "--max-connections", "1000"], fdLimit: 96);
        // A session from before the flood, to show open sessions go on.
        await using var survivor = await StubClient.OpenAsync(stub);
        var flood = new List<Socket>();
        try
        {
            for (int i = 0; i < 120; i++)
            {
                var s = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(stub.EndPoint); // the kernel completes it into the backlog either way
                flood.Add(s);
            }
            await Task.Delay(1500);
            // Out of descriptors, the stub still serves what it has open.
            Assert.True(await survivor.SyncAsync(7), "the open session still answers SYNC");
            Assert.InRange(stub.OpenDescriptors, 80, 96);
        }
        finally
        {
            foreach (Socket s in flood)
            {
                s.Dispose();
            }
        }
        // Freed, it accepts again: a new host shakes hands.
        CapsPayload? caps = null;
        for (int attempt = 0; attempt < 40 && caps is null; attempt++)
        {
            caps = await BoardSoak.ProbeAsync(stub.EndPoint, TimeSpan.FromSeconds(1));
        }
        Assert.False(stub.HasExited);
        Assert.NotNull(caps);
        string log = stub.Stop();
        output.WriteLine(log);
        // The episode (accepts failing with EMFILE, or thread starts failing for want of a descriptor,
        // which the runtime reports as OutOfMemoryException) is logged once, not once per failure, and its end too.
        var failed = System.Text.RegularExpressions.Regex.Matches(log, @"again \((\d+) accepts failed\)");
        Assert.NotEmpty(failed);
        int failures = int.Parse(failed[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(CountOf(log, "cannot take new connections on"), 1, 3);
        Assert.InRange(failures, 5, int.MaxValue);
        Assert.True(CountOf(log, "cannot take new connections on") * 4 <= failures, log);
    }

    [VerilatorFact]
    public async Task Board_sim_survives_the_same_flood_and_answers_hello_in_bounded_memory()
    {
        using var sim = ServerProcess.Start(HwSim.Binary, ["--listen", "127.0.0.1:0"]);
        // board-sim serves one host at a time (a new connection replaces the current one): 8 flooders
        // take turns replacing each other.
        SoakResult soak = await BoardSoak.RunAsync(sim.EndPoint, connections: 8, TimeSpan.FromSeconds(4), Seed);
        long peak = sim.PeakMemory;
        CapsPayload? caps = null;
        for (int attempt = 0; attempt < 10 && caps is null; attempt++)
        {
            caps = await BoardSoak.ProbeAsync(sim.EndPoint, TimeSpan.FromSeconds(2));
        }
        output.WriteLine($"{soak.FramesSent} frames ({soak.FramesPerSecond:0}/s), {soak.Connections} connections; peak {peak >> 20} MiB");
        Assert.False(sim.HasExited, sim.Stop());
        Assert.NotNull(caps);
        Assert.InRange(soak.FramesSent, 1_000, long.MaxValue);
        Assert.InRange(peak, 0, 256L << 20);
    }

    private static int CountOf(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    /// <summary>A handshaken connection that can ask for a SYNC_ACK.</summary>
    private sealed class StubClient(Socket socket) : IAsyncDisposable
    {
        public static async Task<StubClient> OpenAsync(ServerProcess server)
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(server.EndPoint);
            var client = new StubClient(socket);
            var hello = new byte[64];
            await socket.SendAsync(hello.AsMemory(0, FrameCodec.WriteFrame(hello, 0, new HelloPayload(ProtocolVersion.Current, "survivor"))));
            Assert.True(await client.WaitForAsync(MessageType.Caps), "CAPS");
            return client;
        }

        public async Task<bool> SyncAsync(uint fence)
        {
            var frame = new byte[32];
            await socket.SendAsync(frame.AsMemory(0, FrameCodec.WriteFrame(frame, 1, new SyncPayload(fence))));
            return await WaitForAsync(MessageType.SyncAck);
        }

        private async Task<bool> WaitForAsync(MessageType type)
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var buffer = new byte[4096];
            int have = 0;
            try
            {
                while (true)
                {
                    int n = await socket.ReceiveAsync(buffer.AsMemory(have), SocketFlags.None, guard.Token);
                    if (n == 0)
                    {
                        return false;
                    }
                    have += n;
                    var sequence = new System.Buffers.ReadOnlySequence<byte>(buffer, 0, have);
                    while (FrameCodec.TryParseFrame(sequence, out Frame f, out SequencePosition consumed, out _, out FrameError error) || error.IsError)
                    {
                        if (f.Type == type)
                        {
                            return true;
                        }
                        sequence = sequence.Slice(consumed);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
