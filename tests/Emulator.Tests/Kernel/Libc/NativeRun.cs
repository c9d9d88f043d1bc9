using System.Diagnostics;
using System.Text;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>Runs a program on the host, the reference an emulated run is compared with.</summary>
internal static class NativeRun
{
    /// <summary>Runs <paramref name="exe"/> with <paramref name="args"/> and exactly
    /// <paramref name="env"/>, feeding <paramref name="stdin"/>; returns stdout, stderr and the status
    /// (128 + signal when killed, as a shell reports it).</summary>
    public static (string Out, string Err, int Status) Run(string exe, IReadOnlyList<string> args, IReadOnlyList<string> env,
        string? workingDirectory = null, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Clear();
        foreach (string e in env)
        {
            int eq = e.IndexOf('=');
            psi.Environment[e[..eq]] = e[(eq + 1)..];
        }
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} did not finish natively in 120 s");
        }
        copy.Wait();
        int status = p.ExitCode;
        return (Encoding.UTF8.GetString(output.ToArray()), err.Result, status);
    }
}
