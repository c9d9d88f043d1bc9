using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Emulator.Board.Transport;

namespace Emulator.Board.Sim;

/// <summary>
/// A running <c>board-sim</c> serving the wire protocol on a Unix socket and/or loopback TCP: the gateware,
/// co-simulated, where the firmware stub's <c>SoftBoardServer</c> would be. Dispose stops it (SIGTERM) and
/// collects the clock cycles it simulated.
/// </summary>
public sealed partial class BoardSimProcess : IAsyncDisposable
{
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private int _disposed;

    private BoardSimProcess(Process process, Task<string> stderr, string? unixPath, IPEndPoint? tcp)
    {
        _process = process;
        _stderr = stderr;
        UnixPath = unixPath;
        TcpEndPoint = tcp;
    }

    /// <summary>The Unix socket's path, or null.</summary>
    public string? UnixPath { get; }

    /// <summary>The bound TCP endpoint (the real port when 0 was asked for), or null.</summary>
    public IPEndPoint? TcpEndPoint { get; }

    /// <summary>A connector to it: the Unix socket if there is one, else TCP.</summary>
    public SocketConnector Connector => UnixPath is not null ? SocketConnector.Unix(UnixPath) : SocketConnector.Tcp(TcpEndPoint!);

    /// <summary>The address in <c>--address</c> form: <c>unix:PATH</c> or <c>tcp:127.0.0.1:PORT</c>.</summary>
    public string Address => UnixPath is not null ? "unix:" + UnixPath : $"tcp:{TcpEndPoint}";

    /// <summary>Clock cycles simulated, known after <see cref="DisposeAsync"/> (from its "board-sim: N cycles").</summary>
    public long Cycles { get; private set; } = -1;

    /// <summary>What board-sim wrote on stderr, known after <see cref="DisposeAsync"/>.</summary>
    public string Log { get; private set; } = "";

    /// <summary>Starts <paramref name="binary"/> and waits until it listens.</summary>
    /// <param name="binary">A board-sim (see <see cref="BoardSimBuild.EnsureBuilt"/>).</param>
    /// <param name="unixPath">Socket path to listen on (must not exist), or null.</param>
    /// <param name="tcp">Listen on 127.0.0.1 on a free port too (or only, without <paramref name="unixPath"/>).</param>
    /// <param name="extraArguments">More options, e.g. <c>--corrupt-rx-every 97</c>.</param>
    /// <param name="cancellationToken">Abandons the wait for the listening lines.</param>
    /// <exception cref="IOException">It exited before listening; the message has its stderr.</exception>
    public static async Task<BoardSimProcess> StartAsync(string binary, string? unixPath, bool tcp = false,
        IEnumerable<string>? extraArguments = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        if (unixPath is not null)
        {
            psi.ArgumentList.Add("--unix");
            psi.ArgumentList.Add(unixPath);
        }
        if (tcp || unixPath is null)
        {
            psi.ArgumentList.Add("--listen");
            psi.ArgumentList.Add("127.0.0.1:0");
        }
        foreach (string a in extraArguments ?? [])
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new IOException("could not start " + binary);
        Task<string> stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        IPEndPoint? endPoint = null;
        int expected = (unixPath is null ? 0 : 1) + (tcp || unixPath is null ? 1 : 0);
        for (int seen = 0; seen < expected;)
        {
            string? line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                throw new IOException($"board-sim exited ({process.ExitCode}) before listening: {await stderr.ConfigureAwait(false)}");
            }
            if (line.StartsWith("listening on tcp ", StringComparison.Ordinal))
            {
                endPoint = IPEndPoint.Parse(line["listening on tcp ".Length..]);
                seen++;
            }
            else if (line.StartsWith("listening on unix ", StringComparison.Ordinal))
            {
                seen++;
            }
        }
        return new BoardSimProcess(process, stderr, unixPath, endPoint);
    }

    /// <summary>SIGTERM, then waits for the exit (killing it after 10 s) and reads the cycle count.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (!_process.HasExited)
        {
            _ = Kill(_process.Id, SigTerm);
        }
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _process.WaitForExitAsync(guard.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        Log = await _stderr.ConfigureAwait(false);
        const string marker = "board-sim: ";
        int at = Log.LastIndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            string rest = Log[(at + marker.Length)..];
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && long.TryParse(rest[..space], NumberStyles.None, CultureInfo.InvariantCulture, out long cycles))
            {
                Cycles = cycles;
            }
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
