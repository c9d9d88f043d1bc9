namespace Emulator.Tests.Kernel.Sys;

/// <summary>Builds the C guests of tests/guests with gcc: freestanding, static, linked with crt/start.c.</summary>
internal static class GuestGcc
{
    /// <summary>Static, no libc, integer registers only (the CPU has no SSE), and none of the hardening
    /// that needs a libc or TLS (stack protector reads %fs:0x28; CET adds endbr64).</summary>
    public const string Flags = "-static -nostdlib -fno-pic -no-pie -O2 -mgeneral-regs-only -fno-stack-protector -fcf-protection=none -fno-builtin";

    /// <summary>tests/guests, found by walking up from the test binary.</summary>
    public static string GuestsDir { get; } = FindGuests();

    /// <summary>Compiles tests/guests/<paramref name="name"/>.c (or <paramref name="source"/> when given)
    /// with the crt; returns the executable's bytes and path.</summary>
    public static (byte[] Bytes, string Path) Build(string name, string? source = null)
    {
        string dir = Directory.CreateTempSubdirectory("guest-").FullName;
        string c = source is null ? Path.Combine(GuestsDir, name + ".c") : Path.Combine(dir, name + ".c");
        if (source is not null)
        {
            File.WriteAllText(c, source);
        }
        string exe = Path.Combine(dir, name);
        string inc = Path.Combine(GuestsDir, "include");
        string crt = Path.Combine(GuestsDir, "crt");
        Gcc.Run("gcc", $"{Flags} -I {inc} -I {crt} -o {exe} {Path.Combine(crt, "start.c")} {c}");
        return (File.ReadAllBytes(exe), exe);
    }

    private static string FindGuests()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "guests");
            if (Directory.Exists(Path.Combine(candidate, "include")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/guests not found above " + AppContext.BaseDirectory);
    }
}
