using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Emulator.Board.Sim;

/// <summary>
/// Builds the gateware simulator <c>board-sim</c> (hw/Makefile target <c>sim</c>: Verilator over hw/rtl and
/// hw/sim) on demand and caches it by a hash of its sources, so a test run or a benchmark rebuilds only when
/// the RTL or the bridge changed.
/// </summary>
/// <remarks>
/// <para>The cache is <c>{cacheRoot}/board-sim-{hash}/board-sim</c>, the hash a SHA-256 over the names and
/// bytes of hw/Makefile, hw/rtl/*.v and hw/sim/*. A build is serialised by a lock file in
/// <c>cacheRoot</c> (test processes and benchmarks may ask at once) and by a process-wide lock; a
/// Verilator build is heavy on this machine, so at most one runs.</para>
/// </remarks>
public static class BoardSimBuild
{
    private static readonly Lock s_lock = new();

    /// <summary>The tools a build needs, or null when all are on PATH.</summary>
    /// <returns>The reason a build cannot run ("verilator not found on PATH (apt install verilator)").</returns>
    public static string? MissingTools()
    {
        foreach (string tool in (string[])["verilator", "make", "g++"])
        {
            if (FindOnPath(tool) is null)
            {
                return $"{tool} not found on PATH (apt install verilator make g++)";
            }
        }
        return null;
    }

    /// <summary>The repository's hw/ folder, found by walking up from <paramref name="start"/> (default: the
    /// running assembly's folder); null when not inside a checkout.</summary>
    public static string? FindHwDirectory(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "hw", "Makefile")) && Directory.Exists(Path.Combine(dir.FullName, "hw", "rtl")))
            {
                return Path.Combine(dir.FullName, "hw");
            }
        }
        return null;
    }

    /// <summary>The hash that names a build of the sources under <paramref name="hwDirectory"/> (16 hex digits).</summary>
    public static string SourceHash(string hwDirectory)
    {
        var files = new List<string> { Path.Combine(hwDirectory, "Makefile") };
        files.AddRange(Directory.GetFiles(Path.Combine(hwDirectory, "rtl"), "*.v"));
        files.AddRange(Directory.GetFiles(Path.Combine(hwDirectory, "sim")));
        files.Sort(StringComparer.Ordinal);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(hwDirectory, file) + "\n"));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>The path of a <c>board-sim</c> built from the current sources, building it first if needed.</summary>
    /// <param name="hwDirectory">The repository's hw/ folder.</param>
    /// <param name="cacheRoot">Where builds are kept (a build output folder).</param>
    /// <param name="log">Receives the build's output when one runs; may be null.</param>
    /// <exception cref="InvalidOperationException">The build failed; the message carries its output.</exception>
    public static string EnsureBuilt(string hwDirectory, string cacheRoot, TextWriter? log = null)
    {
        string dir = Path.Combine(cacheRoot, "board-sim-" + SourceHash(hwDirectory));
        string binary = Path.Combine(dir, "board-sim");
        lock (s_lock)
        {
            if (File.Exists(binary))
            {
                return binary;
            }
            Directory.CreateDirectory(cacheRoot);
            using var fileLock = new FileStream(Path.Combine(cacheRoot, "board-sim.lock"), FileMode.OpenOrCreate,
                FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            if (File.Exists(binary))
            {
                return binary; // another process built it while we waited
            }
            var psi = new ProcessStartInfo("make", ["-C", hwDirectory, "sim", "OUT=" + dir])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var make = Process.Start(psi) ?? throw new InvalidOperationException("could not start make");
            Task<string> stdout = make.StandardOutput.ReadToEndAsync();
            Task<string> stderr = make.StandardError.ReadToEndAsync();
            make.WaitForExit();
            string output = stdout.Result + stderr.Result;
            log?.Write(output);
            if (make.ExitCode != 0 || !File.Exists(binary))
            {
                throw new InvalidOperationException($"make -C {hwDirectory} sim failed (exit {make.ExitCode}):\n{output}");
            }
            foreach (string stale in Directory.GetDirectories(cacheRoot, "board-sim-*"))
            {
                if (stale != dir)
                {
                    Directory.Delete(stale, recursive: true); // builds of older sources: never asked for again
                }
            }
            return binary;
        }
    }

    private static string? FindOnPath(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, tool)))
            {
                return Path.Combine(dir, tool);
            }
        }
        return null;
    }
}
