using System.Runtime.InteropServices;
using Emulator.Core.Kernel;

namespace Emulator.Cli.Shell;

/// <summary>
/// Ctrl-C while a guest runs (<c>boot --guest</c>): the first press goes to the guest as its
/// console's SIGINT (<see cref="GuestKernel.InterruptFromConsole"/>), so a program with a handler
/// handles it and one without dies of it — the summary is printed and the exit status is the guest's
/// (130). A second press, or one before the guest runs, ends the emulator at once: one line, exit 130.
/// </summary>
internal sealed class GuestInterrupt : IDisposable
{
    private readonly PosixSignalRegistration _sigint;
    private readonly TextWriter _stderr;
    private GuestKernel? _kernel;
    private int _count;

    private GuestInterrupt(TextWriter stderr)
    {
        _stderr = stderr;
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Listens for SIGINT until disposed.</summary>
    public static GuestInterrupt Listen(TextWriter stderr) => new(stderr);

    /// <summary>From now on the first Ctrl-C goes to <paramref name="kernel"/>'s foreground processes.</summary>
    public void Attach(GuestKernel kernel) => Volatile.Write(ref _kernel, kernel);

    private void OnSignal(PosixSignalContext context)
    {
        GuestKernel? kernel = Volatile.Read(ref _kernel);
        if (Interlocked.Increment(ref _count) == 1 && kernel is not null)
        {
            context.Cancel = true; // the guest decides: the run goes on until it exits
            kernel.InterruptFromConsole();
            return;
        }
        _stderr.WriteLine(kernel is null
            ? "emulator boot: interrupted before the guest ran"
            : "emulator boot: interrupted again; the guest did not exit after SIGINT: stopped without a summary");
        _stderr.Flush();
        Environment.Exit(ExitCodes.Interrupted);
    }

    public void Dispose() => _sigint.Dispose();
}
