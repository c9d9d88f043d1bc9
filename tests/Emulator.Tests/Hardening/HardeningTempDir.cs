namespace Emulator.Tests.Hardening;

/// <summary>A directory of the test's own under the temp directory, deleted (only it, recursively,
/// never following links out of it: Directory.Delete removes a link, not its target) on dispose.</summary>
internal sealed class HardeningTempDir : IDisposable
{
    public HardeningTempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "emulator-harden-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A sparse file of <paramref name="length"/> zero bytes (no disk blocks).</summary>
    public string Sparse(string name, long length)
    {
        string path = File(name);
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        f.SetLength(length);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
