namespace Emulator.Board.Config;

/// <summary>The <c>socket:</c> section: where the board listens when the transport is a socket
/// (normally the firmware stub in firmware-stubs/).</summary>
/// <remarks>Both may be given; <see cref="HwConfig.Transport"/> chooses. The one the chosen transport
/// needs is required when the backend is <see cref="BackendKind.Board"/>.</remarks>
public sealed record SocketConfig
{
    /// <summary>No addresses.</summary>
    public static SocketConfig Default { get; } = new();

    /// <summary>For <see cref="TransportKind.Tcp"/> (<c>tcp: HOST:PORT</c>); no default.</summary>
    public TcpAddress? Tcp { get; init; }

    /// <summary>For <see cref="TransportKind.Unix"/> (<c>unix: PATH</c>), at most 107 bytes of UTF-8
    /// (sun_path); no default.</summary>
    public string? UnixPath { get; init; }
}
