using System.Text;
using Emulator.Core.Text;

namespace Emulator.Board.Config;

public static partial class HwConfigLoader
{
    private static readonly string[] RootKeys = ["backend", "transport", "usb", "socket", "batch", "timeouts", "lockstep", "pcap"];
    private static readonly string[] UsbKeys = ["vid", "pid", "serial", "interface", "endpoint-out", "endpoint-in", "timeout", "transfers-in-flight", "transfer-size"];
    private static readonly string[] SocketKeys = ["tcp", "unix"];
    private static readonly string[] BatchKeys = ["max-per-sync", "max-outstanding"];
    private static readonly string[] TimeoutKeys = ["sync", "connect", "heartbeat", "resend-attempts"];

    /// <summary>A Unix socket path is at most this many bytes (sun_path is 108 with its NUL).</summary>
    private const int MaxUnixPathBytes = 107;

    /// <summary>Turns the tree into a configuration, adding an error for every problem; each value
    /// that is wrong keeps its default so that the rest of the file is still checked.</summary>
    private sealed class SectionReader(string file, List<HwConfigError> errors)
    {
        /// <summary>Records an error at a node; messages quote the file, so they are escaped here, once.</summary>
        private void Error(YamlNode at, string message) => errors.Add(new HwConfigError(file, at.Line, at.Column, SafeText.Message(message)));

        public HwConfig ReadRoot(YamlNode? root, BackendKind? backendOverride)
        {
            var entries = Entries(root, null, RootKeys);
            var config = HwConfig.Default;
            BackendKind? backend = entries.TryGetValue("backend", out YamlNode? v)
                ? Choice(v, "backend", [("sim", BackendKind.Sim), ("board", BackendKind.Board)]) : BackendKind.Sim;
            TransportKind? transport = entries.TryGetValue("transport", out YamlNode? transportNode)
                ? Choice(transportNode, "transport", [("usb", TransportKind.Usb), ("tcp", TransportKind.Tcp), ("unix", TransportKind.Unix)]) : TransportKind.Usb;
            config = config with
            {
                Backend = backendOverride ?? backend ?? BackendKind.Sim,
                Transport = transport ?? TransportKind.Usb,
                Usb = ReadUsb(entries.GetValueOrDefault("usb")),
                Batch = ReadBatch(entries.GetValueOrDefault("batch")),
                Timeouts = ReadTimeouts(entries.GetValueOrDefault("timeouts")),
                Lockstep = entries.TryGetValue("lockstep", out v) && (Bool(v, "lockstep") ?? false),
                PcapPath = entries.TryGetValue("pcap", out v) ? OptionalText(v, "pcap") : null,
            };
            (SocketConfig socket, bool tcpInvalid, bool unixInvalid) = ReadSocket(entries.GetValueOrDefault("socket"));
            config = config with { Socket = socket };

            // What the chosen backend needs. Only a board over a socket needs something that has no
            // default; an invalid value was reported already, so it is not "missing" as well.
            if (config.Backend == BackendKind.Board && transport is not null && transportNode is not null)
            {
                string how = backendOverride is null ? "backend board" : "backend board (from the command line)";
                if (transport == TransportKind.Tcp && socket.Tcp is null && !tcpInvalid)
                {
                    Error(transportNode, $"transport tcp with {how} needs socket.tcp (HOST:PORT, e.g. 127.0.0.1:7700), which is missing");
                }
                else if (transport == TransportKind.Unix && socket.UnixPath is null && !unixInvalid)
                {
                    Error(transportNode, $"transport unix with {how} needs socket.unix (a socket path), which is missing");
                }
            }
            return config;
        }

        private UsbConfig ReadUsb(YamlNode? section)
        {
            var entries = Entries(section, "usb", UsbKeys);
            var usb = UsbConfig.Default;
            if (entries.TryGetValue("vid", out YamlNode? v) && Number(v, "usb.vid", 0, 0xffff, hex: true) is long vid)
            {
                usb = usb with { Vid = (ushort)vid };
            }
            if (entries.TryGetValue("pid", out v) && Number(v, "usb.pid", 0, 0xffff, hex: true) is long pid)
            {
                usb = usb with { Pid = (ushort)pid };
            }
            if (entries.TryGetValue("serial", out v))
            {
                usb = usb with { Serial = OptionalText(v, "usb.serial") };
            }
            if (entries.TryGetValue("interface", out v) && Number(v, "usb.interface", 0, 255, hex: false) is long iface)
            {
                usb = usb with { Interface = (int)iface };
            }
            if (entries.TryGetValue("endpoint-out", out v) && Endpoint(v, "usb.endpoint-out", isIn: false) is byte outEp)
            {
                usb = usb with { EndpointOut = outEp };
            }
            if (entries.TryGetValue("endpoint-in", out v) && Endpoint(v, "usb.endpoint-in", isIn: true) is byte inEp)
            {
                usb = usb with { EndpointIn = inEp };
            }
            if (entries.TryGetValue("timeout", out v) && Duration(v, "usb.timeout", TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1)) is TimeSpan timeout)
            {
                usb = usb with { Timeout = timeout };
            }
            if (entries.TryGetValue("transfers-in-flight", out v) && Number(v, "usb.transfers-in-flight", 1, 64, hex: false) is long inFlight)
            {
                usb = usb with { TransfersInFlight = (int)inFlight };
            }
            if (entries.TryGetValue("transfer-size", out v) && Number(v, "usb.transfer-size", 512, 1 << 20, hex: false, size: true) is long transferSize)
            {
                if (transferSize % 512 != 0)
                {
                    Error(v, $"usb.transfer-size must be a multiple of 512 (the high-speed bulk packet), got {transferSize}");
                }
                else
                {
                    usb = usb with { TransferSize = (int)transferSize };
                }
            }
            return usb;
        }

        /// <summary>The section, whether its tcp value was given but invalid, and likewise for unix.</summary>
        private (SocketConfig Socket, bool TcpInvalid, bool UnixInvalid) ReadSocket(YamlNode? section)
        {
            var entries = Entries(section, "socket", SocketKeys);
            var socket = SocketConfig.Default;
            bool tcpInvalid = false, unixInvalid = false;
            if (entries.TryGetValue("tcp", out YamlNode? v))
            {
                int before = errors.Count;
                if (OptionalText(v, "socket.tcp") is string text)
                {
                    if (ConfigSyntax.TryParseTcpAddress(text, out TcpAddress? address, out string error))
                    {
                        socket = socket with { Tcp = address };
                    }
                    else
                    {
                        Error(v, $"socket.tcp: {error}");
                    }
                }
                tcpInvalid = errors.Count != before;
            }
            if (entries.TryGetValue("unix", out v))
            {
                int before = errors.Count;
                if (OptionalText(v, "socket.unix") is string path)
                {
                    int bytes = Encoding.UTF8.GetByteCount(path);
                    if (bytes > MaxUnixPathBytes)
                    {
                        Error(v, $"socket.unix is {bytes} bytes long; a Unix socket path holds at most {MaxUnixPathBytes}");
                    }
                    else
                    {
                        socket = socket with { UnixPath = path };
                    }
                }
                unixInvalid = errors.Count != before;
            }
            return (socket, tcpInvalid, unixInvalid);
        }

        private BatchConfig ReadBatch(YamlNode? section)
        {
            var entries = Entries(section, "batch", BatchKeys);
            var batch = BatchConfig.Default;
            if (entries.TryGetValue("max-per-sync", out YamlNode? v) && Number(v, "batch.max-per-sync", 1, 65536, hex: false) is long perSync)
            {
                batch = batch with { MaxPerSync = (int)perSync };
            }
            if (entries.TryGetValue("max-outstanding", out v) && Number(v, "batch.max-outstanding", 1, 65536, hex: false) is long outstanding)
            {
                batch = batch with { MaxOutstanding = (int)outstanding };
            }
            return batch;
        }

        private TimeoutConfig ReadTimeouts(YamlNode? section)
        {
            var entries = Entries(section, "timeouts", TimeoutKeys);
            var timeouts = TimeoutConfig.Default;
            TimeSpan min = TimeSpan.FromMilliseconds(1), max = TimeSpan.FromMinutes(10);
            bool syncValid = true, heartbeatValid = true;
            if (entries.TryGetValue("sync", out YamlNode? syncNode))
            {
                TimeSpan? sync = Duration(syncNode, "timeouts.sync", min, max);
                syncValid = sync is not null;
                timeouts = timeouts with { Sync = sync ?? timeouts.Sync };
            }
            if (entries.TryGetValue("connect", out YamlNode? v) && Duration(v, "timeouts.connect", min, max) is TimeSpan connect)
            {
                timeouts = timeouts with { Connect = connect };
            }
            if (entries.TryGetValue("heartbeat", out YamlNode? heartbeatNode))
            {
                TimeSpan? heartbeat = Duration(heartbeatNode, "timeouts.heartbeat", min, max);
                heartbeatValid = heartbeat is not null;
                timeouts = timeouts with { Heartbeat = heartbeat ?? timeouts.Heartbeat };
            }
            if (entries.TryGetValue("resend-attempts", out v) && Number(v, "timeouts.resend-attempts", 0, 100, hex: false) is long resends)
            {
                timeouts = timeouts with { ResendAttempts = (int)resends };
            }
            // See TimeoutConfig: the heartbeat must end a stalled receive before a SYNC gives up.
            if (syncValid && heartbeatValid && timeouts.Heartbeat >= timeouts.Sync && (heartbeatNode ?? syncNode) is YamlNode at)
            {
                Error(at, $"timeouts.heartbeat ({ConfigSyntax.FormatDuration(timeouts.Heartbeat)}) must be shorter than timeouts.sync ({ConfigSyntax.FormatDuration(timeouts.Sync)})");
            }
            return timeouts;
        }

        /// <summary>The keys of a section (first occurrence of each), after reporting keys that are not
        /// plain names, duplicates and unknown keys. A missing section or one written as nothing
        /// (<c>usb:</c> with every line commented out) has no keys: all defaults.</summary>
        /// <param name="section">The section's value; null when the file lacks it.</param>
        /// <param name="path">The section's name; null for the top level.</param>
        /// <param name="known">Its keys, in the order messages list them.</param>
        private Dictionary<string, YamlNode> Entries(YamlNode? section, string? path, string[] known)
        {
            var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            if (section is null or YamlNode.Scalar { IsNull: true })
            {
                return result;
            }
            if (section is not YamlNode.Mapping mapping)
            {
                Error(section, path is null
                    ? $"the file must be a mapping of sections ({string.Join(", ", known)}), got {section.Kind}"
                    : $"{path} must be a mapping of keys ({string.Join(", ", known)}), got {section.Kind}");
                return result;
            }
            var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
            string where = path is null ? "" : $" in {path}";
            foreach ((YamlNode keyNode, YamlNode value) in mapping.Entries)
            {
                if (keyNode is not YamlNode.Scalar { IsNull: false } key)
                {
                    Error(keyNode, $"keys must be plain names, got {keyNode.Kind}{where}");
                    continue;
                }
                if (firstLine.TryGetValue(key.Value, out int line))
                {
                    Error(key, $"duplicate key '{key.Value}'{where} (first at line {line})");
                    continue;
                }
                firstLine.Add(key.Value, key.Line);
                if (Array.IndexOf(known, key.Value) < 0)
                {
                    string? guess = Closest(key.Value, known);
                    Error(key, $"unknown {(path is null ? "top-level key" : "key")} '{key.Value}'{where} (known: {string.Join(", ", known)})"
                        + (guess is null ? "" : $"; did you mean '{guess}'?"));
                    continue;
                }
                result.Add(key.Value, value);
            }
            return result;
        }

        /// <summary>The scalar text of a value that must be present; null (and an error) otherwise.</summary>
        private string? Text(YamlNode value, string path, string expected)
        {
            switch (value)
            {
                case YamlNode.Scalar { IsNull: false } s:
                    return s.Value;
                case YamlNode.Scalar:
                    Error(value, $"{path} needs a value ({expected})");
                    return null;
                default:
                    Error(value, $"{path} must be {expected}, got {value.Kind}");
                    return null;
            }
        }

        /// <summary>A string that may be absent (nothing / <c>~</c> means none), but not empty.</summary>
        private string? OptionalText(YamlNode value, string path)
        {
            switch (value)
            {
                case YamlNode.Scalar { IsNull: true }:
                    return null;
                case YamlNode.Scalar { Value: "" }:
                    Error(value, $"{path} must not be empty (leave it out, or write ~, for none)");
                    return null;
                case YamlNode.Scalar s:
                    return s.Value;
                default:
                    Error(value, $"{path} must be a string, got {value.Kind}");
                    return null;
            }
        }

        private long? Number(YamlNode value, string path, long min, long max, bool hex, bool size = false)
        {
            string? text = Text(value, path, size ? "a size" : "a number");
            if (text is null)
            {
                return null;
            }
            if (!ConfigSyntax.TryParseNumber(text, size, out long n, out string error))
            {
                Error(value, $"{path}: {error}");
                return null;
            }
            if (n < min || n > max)
            {
                string range = hex ? $"0x{min:x}..0x{max:x}" : size ? $"{min}..{max} ({max >> 10}K)" : $"{min}..{max}";
                Error(value, $"{path} must be {range}, got {text}");
                return null;
            }
            return n;
        }

        /// <summary>A USB endpoint address (USB 2.0 §9.6.6 bEndpointAddress): bits 0..3 the number
        /// (0 is the control endpoint), bits 4..6 reserved, bit 7 the direction (1 = IN).</summary>
        private byte? Endpoint(YamlNode value, string path, bool isIn)
        {
            string range = isIn ? "0x81..0x8f" : "0x01..0x0f";
            if (Number(value, path, 0, 0xff, hex: true) is not long n)
            {
                return null;
            }
            string? problem =
                ((n & 0x80) != 0) != isIn
                    ? (isIn ? $"must be an IN endpoint address (bit 7 set, {range}), got 0x{n:x2}, an OUT address"
                            : $"must be an OUT endpoint address (bit 7 clear, {range}), got 0x{n:x2}, an IN address")
                : (n & 0x70) != 0 ? $"must be {range} (bits 4..6 of an endpoint address are reserved), got 0x{n:x2}"
                : (n & 0x0f) == 0 ? $"must be {range}, got 0x{n:x2}: endpoint 0 is the control endpoint"
                : null;
            if (problem is not null)
            {
                Error(value, $"{path} {problem}");
                return null;
            }
            return (byte)n;
        }

        private TimeSpan? Duration(YamlNode value, string path, TimeSpan min, TimeSpan max)
        {
            string? text = Text(value, path, "a duration such as 500ms");
            if (text is null)
            {
                return null;
            }
            if (!ConfigSyntax.TryParseDuration(text, out TimeSpan t, out string error))
            {
                Error(value, $"{path}: {error}");
                return null;
            }
            if (t < min || t > max)
            {
                Error(value, $"{path} must be {ConfigSyntax.FormatDuration(min)}..{ConfigSyntax.FormatDuration(max)}, got {text}");
                return null;
            }
            return t;
        }

        private bool? Bool(YamlNode value, string path)
        {
            string? text = Text(value, path, "true or false");
            switch (text)
            {
                case null:
                    return null;
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    Error(value, $"{path} must be true or false, got '{text}'");
                    return null;
            }
        }

        private T? Choice<T>(YamlNode value, string path, (string Name, T Value)[] choices)
            where T : struct
        {
            string expected = string.Join(" or ", choices.Select(c => c.Name));
            string? text = Text(value, path, expected);
            if (text is null)
            {
                return null;
            }
            foreach ((string name, T choice) in choices)
            {
                if (name == text)
                {
                    return choice;
                }
            }
            Error(value, $"{path} must be {expected}, got '{text}'");
            return null;
        }

        /// <summary>The known key within edit distance 2 of <paramref name="key"/>, for "did you mean".</summary>
        private static string? Closest(string key, string[] known)
        {
            string? best = null;
            int bestDistance = 3;
            foreach (string candidate in known)
            {
                int d = EditDistance(key, candidate);
                if (d < bestDistance && d < candidate.Length)
                {
                    best = candidate;
                    bestDistance = d;
                }
            }
            return best;
        }

        private static int EditDistance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++)
            {
                previous[j] = j;
            }
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
