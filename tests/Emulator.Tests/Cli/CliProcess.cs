using System.Diagnostics;

namespace Emulator.Tests.Cli;

/// <summary>
/// Runs the real <c>emulator</c> (and <c>firmware-stub</c>) executables built next to the tests, as
/// a shell would: separate stdout and stderr pipes, an exit code, optional stdin and environment.
/// These are what a user and a script see, so the exit-code and stream tests go through here.
/// </summary>
internal static class CliProcess
{
    /// <summary>What one run printed and returned.</summary>
    internal readonly record struct Result(int Rc, string Out, string Err)
    {
        public override string ToString() => $"exit {Rc}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";
    }

    /// <summary>Longest a test lets one run take: a hang fails the test instead of the suite.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(120);

    public static string EmulatorPath => Path.Combine(AppContext.BaseDirectory, "emulator");

    public static string StubPath => Path.Combine(AppContext.BaseDirectory, "firmware-stub");

    /// <summary>Runs <c>emulator ARGS</c> to completion.</summary>
    public static Result Emulator(params string[] args) => Run(EmulatorPath, args);

    /// <summary>Runs <paramref name="exe"/> to completion.</summary>
    /// <param name="exe">The executable.</param>
    /// <param name="args">Its arguments.</param>
    /// <param name="stdin">Standard input (empty when null).</param>
    /// <param name="env">Environment overrides (a null value removes the variable).</param>
    public static Result Run(string exe, string[] args, string? stdin = null, IReadOnlyDictionary<string, string?>? env = null)
    {
        using var p = Start(exe, args, env);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin ?? "");
        p.StandardInput.Close();
        if (!p.WaitForExit(HangGuard))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in {HangGuard}");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts <paramref name="exe"/> with every stream redirected; the caller reads and waits.</summary>
    public static Process Start(string exe, string[] args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        // A developer's own settings must not change what the tests see.
        psi.Environment.Remove("EMULATOR_LOG");
        psi.Environment.Remove("NO_COLOR");
        foreach (var (key, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        return Process.Start(psi)!;
    }

    /// <summary>Sends SIGINT (Ctrl-C) to <paramref name="pid"/>.</summary>
    public static void Interrupt(int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }
}
