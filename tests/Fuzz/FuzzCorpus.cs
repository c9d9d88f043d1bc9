using System.Security.Cryptography;

namespace Emulator.Fuzz;

/// <summary>The standing corpus on disk: <c>tests/Fuzz/regressions/TARGET/</c> holds every input that
/// ever crashed a target (each a test case of dotnet test from then on), and a run's new crashes are
/// written under a findings directory, to be moved there once fixed.</summary>
public static class FuzzCorpus
{
    /// <summary>The repository root (the directory holding Emulator.sln above the running code), or null.</summary>
    public static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Emulator.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    /// <summary>The regression directory of <paramref name="target"/> (null outside the repository).</summary>
    public static string? RegressionDirectory(string target) =>
        RepoRoot() is { } root ? Path.Combine(root, "tests", "Fuzz", "regressions", target) : null;

    /// <summary>The regression inputs of <paramref name="target"/>, by file name.</summary>
    public static IEnumerable<(string Name, byte[] Input)> Regressions(string target)
    {
        string? dir = RegressionDirectory(target);
        if (dir is null || !Directory.Exists(dir))
        {
            yield break;
        }
        string[] files = Directory.GetFiles(dir);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
        {
            if (!file.EndsWith(".md", StringComparison.Ordinal) && !file.EndsWith(".txt", StringComparison.Ordinal))
            {
                yield return (Path.GetFileName(file), File.ReadAllBytes(file));
            }
        }
    }

    /// <summary>Files under a repository directory of samples (e.g. traces/*.trace), as seeds.</summary>
    public static IEnumerable<byte[]> RepoFiles(string relativeDirectory, string pattern, int maxBytes = 1 << 16)
    {
        if (RepoRoot() is not { } root || !Directory.Exists(Path.Combine(root, relativeDirectory)))
        {
            yield break;
        }
        string[] files = Directory.GetFiles(Path.Combine(root, relativeDirectory), pattern);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
        {
            var info = new FileInfo(file);
            if (info.Length <= maxBytes)
            {
                yield return File.ReadAllBytes(file);
            }
        }
    }

    /// <summary>Writes <paramref name="crash"/>'s input as <c>DIR/TARGET/crash-SHA1</c> with a <c>.txt</c>
    /// beside it saying what failed; returns the input's path.</summary>
    public static string Save(string findingsDirectory, FuzzCrash crash)
    {
        ArgumentNullException.ThrowIfNull(crash);
        string dir = Path.Combine(findingsDirectory, crash.Target);
        Directory.CreateDirectory(dir);
        string name = "crash-" + Convert.ToHexStringLower(SHA1.HashData(crash.Input));
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, crash.Input);
        File.WriteAllText(path + ".txt", crash + "\n");
        return path;
    }
}
