using System.Diagnostics;
using Emulator.Tests.Board;

namespace Emulator.Tests.Kernel;

/// <summary>A fact that compiles real guest programs with gcc: skipped, saying so, where gcc is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GccFactAttribute : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? (UsbToolFactAttribute.Find("gcc") is null ? "gcc not found on PATH: real static ELF executables cannot be built (apt install gcc)" : null);
        set => _skip = value;
    }
}

/// <summary>A theory that compiles real guest programs with gcc: skipped, saying so, where gcc is missing.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class GccTheoryAttribute : TheoryAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? (UsbToolFactAttribute.Find("gcc") is null ? "gcc not found on PATH: real static ELF executables cannot be built (apt install gcc)" : null);
        set => _skip = value;
    }
}

/// <summary>Runs gcc (and binutils) in a scratch directory.</summary>
internal static class Gcc
{
    /// <summary>The flags of a static, non-PIE, libc-free guest.</summary>
    public const string StaticFlags = "-static -nostdlib -fno-pic -no-pie -O2";

    /// <summary>Compiles <paramref name="source"/> (C) with <paramref name="flags"/>; returns the executable's bytes and path.</summary>
    public static (byte[] Bytes, string Path) Compile(string source, string flags = StaticFlags, string name = "guest")
    {
        string dir = Directory.CreateTempSubdirectory("elf-test-").FullName;
        string c = System.IO.Path.Combine(dir, name + ".c");
        string exe = System.IO.Path.Combine(dir, name);
        File.WriteAllText(c, source);
        Run("gcc", $"{flags} -o {exe} {c}");
        return (File.ReadAllBytes(exe), exe);
    }

    /// <summary>The address of <paramref name="symbol"/> according to nm.</summary>
    public static ulong Symbol(string exe, string symbol)
    {
        foreach (string line in Run("nm", exe).Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[2] == symbol)
            {
                return Convert.ToUInt64(parts[0], 16);
            }
        }
        throw new InvalidOperationException($"nm: no symbol {symbol} in {exe}");
    }

    public static string Run(string tool, string args)
    {
        var psi = new ProcessStartInfo(tool, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {args} exited {p.ExitCode}: {stderr}");
        }
        return stdout;
    }
}
