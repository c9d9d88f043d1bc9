using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Emulator.Core.Wire;

namespace Emulator.Fuzz.Soak;

/// <summary>What a soak did.</summary>
/// <param name="FramesSent">Frames (valid and damaged) written by all connections.</param>
/// <param name="BytesSent">Their bytes, garbage included.</param>
/// <param name="BytesReceived">Reply bytes read.</param>
/// <param name="Connections">Connections opened (the first of each worker and every reconnect).</param>
/// <param name="Closed">Connections the server closed or refused while the soak wrote to them.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record SoakResult(long FramesSent, long BytesSent, long BytesReceived, long Connections, long Closed, TimeSpan Elapsed)
{
    public double FramesPerSecond => FramesSent / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// Floods a board server from many connections at once with valid frames (HELLO, ATC_FILLs for ever
/// new SIDs, ATC_INVs, SYNCs, ATC_DUMPs, HEARTBEATs) and garbage (random bytes, damaged CRCs, lengths
/// over the maximum, unknown types, another major version), reading the replies; a connection the
/// server closes is reopened. Deterministic frame content for a seed.
/// </summary>
public static class BoardSoak
{
    /// <summary>Runs the soak until <paramref name="duration"/> has passed.</summary>
    /// <param name="server">Where the server listens.</param>
    /// <param name="connections">Concurrent connections.</param>
    /// <param name="duration">How long.</param>
    /// <param name="seed">Seeds each connection's frames (connection i uses seed + i).</param>
    /// <param name="garbagePercent">Share of writes that are damaged or garbage.</param>
    /// <remarks>Each connection has a sending and a reading thread with blocking sockets (the thread
    /// pool of a two-core machine would let a few busy senders starve the readers, and a board whose
    /// replies are not read rightly stops reading too), and 64 KiB socket buffers, so what is counted as
    /// sent is close to what the server took, not what the kernel queued.</remarks>
    public static Task<SoakResult> RunAsync(IPEndPoint server, int connections, TimeSpan duration, int seed, int garbagePercent = 10) =>
        Task.Factory.StartNew(() => Run(server, connections, duration, seed, garbagePercent), TaskCreationOptions.LongRunning);

    private static SoakResult Run(IPEndPoint server, int connections, TimeSpan duration, int seed, int garbagePercent)
    {
        var clock = Stopwatch.StartNew();
        var totals = new long[5];
        var workers = new Thread[connections];
        using var stop = new CancellationTokenSource(duration);
        for (int i = 0; i < connections; i++)
        {
            int id = i;
            workers[i] = new Thread(() => Worker(server, seed + id, garbagePercent, totals, stop.Token)) { IsBackground = true, Name = "soak " + id };
            workers[i].Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        return new SoakResult(Interlocked.Read(ref totals[0]), Interlocked.Read(ref totals[1]), Interlocked.Read(ref totals[2]),
            Interlocked.Read(ref totals[3]), Interlocked.Read(ref totals[4]), clock.Elapsed);
    }

    private static void Worker(IPEndPoint server, int seed, int garbagePercent, long[] totals, CancellationToken stop)
    {
        var rng = new Random(seed);
        var batch = new ArrayBufferWriter<byte>(64 * 1024);
        uint seq = 0;
        while (!stop.IsCancellationRequested)
        {
            var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
            {
                NoDelay = true,
                SendBufferSize = 64 * 1024,
                ReceiveBufferSize = 64 * 1024,
            };
            // Closing the socket is what ends a blocked send or receive when the soak is over.
            using CancellationTokenRegistration closeOnStop = stop.Register(static s => ((Socket)s!).Dispose(), socket);
            try
            {
                socket.Connect(server);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                socket.Dispose();
                if (!stop.IsCancellationRequested)
                {
                    Thread.Sleep(10);
                }
                continue;
            }
            Interlocked.Increment(ref totals[3]);
            var reader = new Thread(() => Drain(socket, totals)) { IsBackground = true, Name = "soak reader" };
            reader.Start();
            try
            {
                batch.Clear();
                FrameCodec.WriteFrame(batch, seq++, new HelloPayload(ProtocolVersion.Current, "soak"));
                while (!stop.IsCancellationRequested)
                {
                    int frames = Fill(batch, rng, ref seq, garbagePercent);
                    socket.Send(batch.WrittenSpan);
                    Interlocked.Add(ref totals[0], frames);
                    Interlocked.Add(ref totals[1], batch.WrittenCount);
                    batch.Clear();
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref totals[4]); // the server closed it (refused, or a timeout)
                }
            }
            socket.Dispose();
            reader.Join();
        }
    }

    private static void Drain(Socket socket, long[] totals)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                int n = socket.Receive(buffer);
                if (n == 0)
                {
                    return;
                }
                Interlocked.Add(ref totals[2], n);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>About 16 KiB of frames; returns how many.</summary>
    private static int Fill(ArrayBufferWriter<byte> batch, Random rng, ref uint seq, int garbagePercent)
    {
        int frames = 0;
        Span<byte> payload = stackalloc byte[64];
        while (batch.WrittenCount < 16 * 1024)
        {
            frames++;
            if (rng.Next(100) < garbagePercent)
            {
                Garbage(batch, rng, ref seq);
                continue;
            }
            uint sid = (uint)rng.Next(1 << 20); // ever new SIDs: the board must bound them, not grow
            switch (rng.Next(10))
            {
                case 0:
                case 1:
                case 2:
                {
                    var entry = new AtcDumpEntry(rng.Next(2) == 0 ? AtcInvPayload.NoPasid : (uint)rng.Next(1 << 20),
                        (ulong)rng.Next(1 << 24) << 12, 12, (ulong)rng.Next(1 << 24) << 12, WirePermissions.Read | WirePermissions.Write, false);
                    FrameCodec.WriteFrame(batch, seq++, new AtcFillPayload(sid & 0xFF, entry));
                    FrameCodec.WriteFrame(batch, seq++, new AtcFillPayload(sid, entry));
                    frames++;
                    break;
                }
                case 3:
                case 4:
                case 5:
                    FrameCodec.WriteFrame(batch, seq++, new AtcInvPayload(sid & 0xFF, AtcInvPayload.NoPasid, false, (ulong)rng.Next(1 << 24) << 12, 12, (ushort)rng.Next(65536)));
                    break;
                case 6:
                    FrameCodec.WriteFrame(batch, seq++, new SyncPayload((uint)rng.Next()));
                    break;
                case 7:
                    FrameCodec.WriteFrame(batch, seq++, new AtcDumpPayload(sid & 0xFF));
                    break;
                case 8:
                    FrameCodec.WriteFrame(batch, seq++, new HeartbeatPayload((ulong)Stopwatch.GetTimestamp()));
                    break;
                default:
                    FrameCodec.WriteFrame(batch, seq++, new HelloPayload(ProtocolVersion.Current, "soak"));
                    break;
            }
        }
        return frames;
    }

    private static void Garbage(ArrayBufferWriter<byte> batch, Random rng, ref uint seq)
    {
        Span<byte> bytes = stackalloc byte[48];
        switch (rng.Next(5))
        {
            case 0:
                rng.NextBytes(bytes);
                batch.Write(bytes);
                break;
            case 1:
            {
                // A damaged CRC.
                int length = FrameCodec.WriteFrame(bytes, seq++, new SyncPayload(1));
                bytes[length - 1] ^= 0x40;
                batch.Write(bytes[..length]);
                break;
            }
            case 2:
            {
                // A length over the maximum.
                int length = FrameCodec.WriteFrame(bytes, seq++, new SyncPayload(2));
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[12..], 0x7FFF_FFFF);
                batch.Write(bytes[..length]);
                break;
            }
            case 3:
                batch.Write(bytes[..FrameCodec.WriteFrame(bytes, MessageType.Caps, seq++, [1, 2, 3])]);
                break;
            default:
            {
                Span<byte> frame = FrameCodec.BeginFrame(bytes, MessageType.Sync, seq++, 4, new ProtocolVersion(2, 0));
                frame.Clear();
                batch.Write(bytes[..FrameCodec.CompleteFrame(bytes)]);
                break;
            }
        }
    }

    /// <summary>Connects and shakes hands: true when CAPS comes back within <paramref name="timeout"/>.</summary>
    public static async Task<CapsPayload?> ProbeAsync(IPEndPoint server, TimeSpan timeout)
    {
        using var guard = new CancellationTokenSource(timeout);
        using var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server, guard.Token).ConfigureAwait(false);
            var hello = new byte[128];
            int length = FrameCodec.WriteFrame(hello.AsSpan(), 0, new HelloPayload(ProtocolVersion.Current, "probe"));
            await socket.SendAsync(hello.AsMemory(0, length), SocketFlags.None, guard.Token).ConfigureAwait(false);
            var received = new byte[4096];
            int have = 0;
            while (have < received.Length)
            {
                int n = await socket.ReceiveAsync(received.AsMemory(have), SocketFlags.None, guard.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return null;
                }
                have += n;
                var sequence = new ReadOnlySequence<byte>(received, 0, have);
                while (FrameCodec.TryParseFrame(sequence, out Frame frame, out SequencePosition consumed, out _, out FrameError error) || error.IsError)
                {
                    if (frame.Type == MessageType.Caps && CapsPayload.TryRead(frame.Payload.ToArray(), out CapsPayload caps))
                    {
                        return caps;
                    }
                    sequence = sequence.Slice(consumed);
                }
            }
            return null;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }
    }
}
