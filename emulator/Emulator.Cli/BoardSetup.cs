using Emulator.Board;
using Emulator.Board.Config;
using Emulator.Board.Transport;

namespace Emulator.Cli;

/// <summary>
/// Shared by <c>boot</c>, <c>replay</c> and <c>board</c>: reads <c>--config</c>/<c>--backend</c>/<c>--address</c>
/// into a configuration and, for the board backend, connects to the board.
/// </summary>
internal static class BoardSetup
{
    /// <summary>Loads the configuration: <paramref name="configPath"/> (or the defaults: sim), with
    /// <paramref name="backend"/> ("sim"/"board") and <paramref name="address"/> (tcp:HOST:PORT or
    /// unix:PATH, which selects that transport) overriding the file.</summary>
    /// <returns>Null after printing <c>file:line:col: message</c> errors (or an option error) to <paramref name="stderr"/>.</returns>
    public static HwConfig? Load(string command, string? configPath, string? backend, string? address, TextWriter stderr) =>
        Load(command, configPath, backend, address, stderr, out _);

    /// <summary>As <see cref="Load(string, string?, string?, string?, TextWriter)"/>, with the exit code
    /// of a failure: 3 when the file cannot be read, 2 for a malformed file or option.</summary>
    public static HwConfig? Load(string command, string? configPath, string? backend, string? address, TextWriter stderr, out int exitCode)
    {
        exitCode = Shell.ExitCodes.Usage;
        BackendKind? overrideBackend = backend switch
        {
            null => null,
            "sim" => BackendKind.Sim,
            "board" => BackendKind.Board,
            _ => null,
        };
        if (backend is not null && overrideBackend is null)
        {
            stderr.WriteLine($"emulator {command}: --backend {backend}: expected sim or board");
            return null;
        }
        HwConfig config;
        if (configPath is null)
        {
            config = HwConfig.Default with { Backend = overrideBackend ?? BackendKind.Sim };
        }
        else
        {
            HwConfigResult r;
            try
            {
                r = HwConfigLoader.Load(configPath, overrideBackend);
            }
            catch (Exception e) when (Shell.HostErrors.IsIo(e))
            {
                stderr.WriteLine($"emulator {command}: --config {configPath}: {Shell.HostErrors.Describe(e, configPath)}");
                exitCode = Shell.HostErrors.ExitCode(e, configPath);
                return null;
            }
            if (!r.Success)
            {
                foreach (var e in r.Errors)
                {
                    stderr.WriteLine(e.ToString());
                }
                return null;
            }
            config = r.Config;
        }
        if (address is not null)
        {
            if (!SocketConnector.TryParse(address, out _, out string? error))
            {
                stderr.WriteLine($"emulator {command}: --address {error}");
                return null;
            }
            config = address.StartsWith("unix:", StringComparison.Ordinal)
                ? config with { Transport = TransportKind.Unix, Socket = config.Socket with { UnixPath = address["unix:".Length..] } }
                : config with { Transport = TransportKind.Tcp, Socket = config.Socket with { Tcp = ParseTcp(address) } };
        }
        exitCode = Shell.ExitCodes.Success;
        return config;
    }

    private static TcpAddress ParseTcp(string address)
    {
        string rest = address["tcp:".Length..];
        int colon = rest.LastIndexOf(':');
        string host = rest[..colon].Trim('[', ']');
        return new TcpAddress(host, int.Parse(rest[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Connects to the board <paramref name="config"/> names.</summary>
    /// <returns>Null after printing why to <paramref name="stderr"/> (unreachable, refused, unsupported transport).</returns>
    /// <param name="command">For messages.</param>
    /// <param name="config">Which board, and how.</param>
    /// <param name="stderr">Where a failure is explained.</param>
    /// <param name="options">Link options (default: the configuration's).</param>
    /// <param name="wrap">Wraps the connector (watching for a lost board, tracing frames).</param>
    public static BoardLink? Connect(string command, HwConfig config, TextWriter stderr, BoardOptions? options = null,
        Func<IBoardConnector, IBoardConnector>? wrap = null)
    {
        if (!BoardConnectors.TryCreate(config, out var connector, out string? error))
        {
            stderr.WriteLine($"emulator {command}: {error}");
            return null;
        }
        try
        {
            return new BoardLink(wrap is null ? connector! : wrap(connector!), options ?? BoardOptions.From(config));
        }
        catch (BoardException e)
        {
            stderr.WriteLine($"emulator {command}: {e.Message}");
            return null;
        }
    }
}
