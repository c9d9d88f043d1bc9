using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Emulator.Fuzz.Soak;

/// <summary>A board server (the firmware stub, or board-sim) run as a child process for soaking: its
/// own memory and threads are measured from /proc, and a descriptor limit can be imposed
/// (<c>ulimit -n</c>) to drive it out of descriptors. Killed on dispose; never left running.</summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private ServerProcess(Process process, IPEndPoint endPoint, Task<string> stderr)
    {
        _process = process;
        EndPoint = endPoint;
        _stderr = stderr;
    }

    /// <summary>Where it listens (TCP).</summary>
    public IPEndPoint EndPoint { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="executable"/> with <paramref name="arguments"/> (which must make it
    /// listen on TCP and print "listening on tcp HOST:PORT"), under <c>ulimit -n</c>
    /// <paramref name="fdLimit"/> when given.</summary>
    /// <exception cref="IOException">It did not start or did not say where it listens within 20 s.</exception>
    public static ServerProcess Start(string executable, IReadOnlyList<string> arguments, int? fdLimit = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true, // board-sim ends when its stdin does: held open until disposed
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add((fdLimit is int n ? $"ulimit -n {n.ToString(CultureInfo.InvariantCulture)} && " : "") + "exec \"$0\" \"$@\"");
        psi.ArgumentList.Add(executable);
        foreach (string a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }
        var process = Process.Start(psi) ?? throw new IOException("could not start " + executable);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            var read = process.StandardOutput.ReadLineAsync();
            while (true)
            {
                if (!read.Wait(TimeSpan.FromSeconds(20)) || read.Result is null)
                {
                    throw new IOException($"{executable} did not say where it listens: {(process.HasExited ? stderr.Result : "(no answer in 20 s)")}");
                }
                string line = read.Result;
                const string prefix = "listening on tcp ";
                if (line.StartsWith(prefix, StringComparison.Ordinal) && IPEndPoint.TryParse(line[prefix.Length..], out IPEndPoint? endPoint))
                {
                    _ = process.StandardOutput.ReadToEndAsync();
                    return new ServerProcess(process, endPoint, stderr);
                }
                read = process.StandardOutput.ReadLineAsync();
            }
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>A field of /proc/PID/status in its unit (kB for Vm*): VmHWM is the peak resident memory.</summary>
    public long Status(string field)
    {
        foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }
        throw new IOException($"no {field} in /proc/{Pid}/status");
    }

    /// <summary>Peak resident memory, bytes.</summary>
    public long PeakMemory => Status("VmHWM") * 1024;

    public long Threads => Status("Threads");

    /// <summary>Open descriptors.</summary>
    public int OpenDescriptors => Directory.GetFileSystemEntries($"/proc/{Pid}/fd").Length;

    /// <summary>Kills it and returns what it wrote on stderr.</summary>
    public string Stop()
    {
        Kill(_process);
        return _stderr.Wait(TimeSpan.FromSeconds(10)) ? _stderr.Result : "";
    }

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
            process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
