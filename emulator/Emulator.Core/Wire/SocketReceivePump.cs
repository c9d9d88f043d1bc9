using System.IO.Pipelines;
using System.Net.Sockets;

namespace Emulator.Core.Wire;

/// <summary>
/// Moves bytes from a connected stream socket into a <see cref="PipeReader"/> on a dedicated thread
/// with blocking receives. The pipe runs its reader's continuations inline on that thread, so a frame
/// that arrives is parsed without a hop through the socket engine's event thread and the thread pool —
/// on loopback those hops cost more than the round trip itself (the <c>board-sync-rtt</c> benchmark).
/// </summary>
/// <remarks>
/// <para>The reader sees end of data (<c>IsCompleted</c>) when the peer closes, and an
/// <see cref="IOException"/> when the connection fails or is shut down under it. The thread ends with
/// the connection; shut the socket down to stop it.</para>
/// <para>Both the host's socket transport and the software board use it, so both ends measure the same.</para>
/// </remarks>
public static class SocketReceivePump
{
    /// <summary>Starts the pump; the returned reader is the receive side of <paramref name="socket"/>.</summary>
    /// <param name="socket">A connected stream socket; only this pump receives from it.</param>
    /// <param name="name">The thread's name, for debuggers and dumps.</param>
    /// <param name="bufferSize">Bytes asked for per receive.</param>
    public static PipeReader Start(Socket socket, string name, int bufferSize = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var pipe = new Pipe(new PipeOptions(
            readerScheduler: PipeScheduler.Inline,
            writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 1024 * 1024,
            resumeWriterThreshold: 512 * 1024,
            useSynchronizationContext: false));
        var thread = new Thread(() => Pump(socket, pipe.Writer, bufferSize)) { IsBackground = true, Name = name };
        thread.Start();
        return pipe.Reader;
    }

    private static void Pump(Socket socket, PipeWriter writer, int bufferSize)
    {
        Exception? failure = null;
        try
        {
            while (true)
            {
                Memory<byte> memory = writer.GetMemory(bufferSize);
                int n = socket.Receive(memory.Span, SocketFlags.None);
                if (n == 0)
                {
                    break; // the peer closed
                }
                writer.Advance(n);
                // Inline reader scheduler: the reader's continuation runs here, inside FlushAsync.
                FlushResult r = writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                if (r.IsCompleted || r.IsCanceled)
                {
                    break; // the reader is done
                }
            }
        }
        catch (SocketException e)
        {
            failure = new IOException($"receive failed: {e.Message}", e);
        }
        catch (ObjectDisposedException e)
        {
            failure = new IOException("the connection was closed", e);
        }
        catch (InvalidOperationException)
        {
            // The reader completed the pipe while we were writing into it: nothing more to deliver.
        }
        writer.Complete(failure);
    }
}
