using System.Runtime.InteropServices;

namespace Emulator.Tests.Cpu;

/// <summary>A fact that compiles and runs a program on the host: skipped, with the reason, when gcc
/// is not on PATH or the host is not x86-64 Linux.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GccFactAttribute : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? Missing();
        set => _skip = value;
    }

    internal static string? GccPath()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            string p = Path.Combine(dir, "gcc");
            if (dir.Length > 0 && File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    private static string? Missing()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
        {
            return "host is not x86-64 Linux: nothing to cross-check against";
        }
        return GccPath() is null ? "gcc not found on PATH (apt install gcc)" : null;
    }
}
