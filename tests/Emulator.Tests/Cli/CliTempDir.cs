namespace Emulator.Tests.Cli;

/// <summary>A scratch directory for one test class, with the small files the CLI tests feed the
/// commands (traces that pass, fail or are malformed; configurations; logs).</summary>
public sealed class CliTempDir : IDisposable
{
    public const string PassingTrace =
        "trace 1\nprocess p\nmmap p 0x10000 4K rw\nwrite p 0x10000 4K byte:1\nread p 0x10000 4K => byte:1\n";

    /// <summary>Line 4 expects byte 1 where the page holds zeros.</summary>
    public const string FailingTrace =
        "trace 1\nprocess p\nmmap p 0x10000 4K rw\nread p 0x10000 4 => byte:1\n";

    /// <summary>Line 3: sizes are written 4K, not 4k.</summary>
    public const string MalformedTrace = "trace 1\nprocess p\nmmap p 0x10000 4k rw\n";

    public string Path { get; } = Directory.CreateTempSubdirectory("cli-").FullName;

    /// <summary>Writes <paramref name="text"/> to NAME in the directory; returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public string File_(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A port nothing listens on (bound, read, closed).</summary>
    public static int ClosedPort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A board configuration for tcp 127.0.0.1:PORT.</summary>
    public string BoardConfig(int port, string extra = "") =>
        Write($"board-{port}.yaml", $"backend: board\ntransport: tcp\nsocket:\n  tcp: 127.0.0.1:{port}\n{extra}");

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
