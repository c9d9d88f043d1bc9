using System.Diagnostics;

namespace Emulator.Cli.Bench;

/// <summary>
/// The standard racing guest of the exploration benchmarks, <c>tests/guests/sva-race.c</c>, compiled
/// with gcc the way the tests build the C guests (static, no libc). Needs the source tree (found by
/// walking up from the working directory and from the program) and gcc; otherwise
/// <see cref="TryBuild"/> says which is missing and the benchmark reports itself skipped.
/// </summary>
internal static class RacingGuest
{
    private const string Flags = "-static -nostdlib -fno-pic -no-pie -O2 -mgeneral-regs-only -fno-stack-protector -fcf-protection=none -fno-builtin";
    private static (byte[] Elf, string Path)? s_built;

    public static bool TryBuild(out byte[] elf, out string path, out string? why)
    {
        elf = [];
        path = "";
        why = null;
        if (s_built is { } b)
        {
            (elf, path) = b;
            return true;
        }
        string? guests = Find(Directory.GetCurrentDirectory()) ?? Find(AppContext.BaseDirectory);
        if (guests is null)
        {
            why = "skipped: tests/guests/sva-race.c not found (run from the source tree)";
            return false;
        }
        string dir = Directory.CreateTempSubdirectory("sva-race-").FullName;
        path = Path.Combine(dir, "sva-race");
        var psi = new ProcessStartInfo("gcc")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        foreach (string a in Flags.Split(' '))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (string a in (string[])["-I", Path.Combine(guests, "include"), "-I", Path.Combine(guests, "crt"), "-o", path,
                     Path.Combine(guests, "crt", "start.c"), Path.Combine(guests, "sva-race.c")])
        {
            psi.ArgumentList.Add(a);
        }
        try
        {
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                why = $"skipped: gcc failed on sva-race.c: {err.Trim()}";
                return false;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            why = "skipped: gcc not installed (apt install gcc)";
            return false;
        }
        elf = File.ReadAllBytes(path);
        s_built = (elf, path);
        return true;
    }

    private static string? Find(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "guests");
            if (File.Exists(Path.Combine(candidate, "sva-race.c")))
            {
                return candidate;
            }
        }
        return null;
    }
}
