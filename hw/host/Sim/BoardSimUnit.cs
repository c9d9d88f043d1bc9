using System.Diagnostics;
using System.Globalization;

namespace Emulator.Board.Sim;

/// <summary>
/// <c>board-sim --unit</c>: the unit benches of the gateware (the CRC-32C step, the frame receiver, the ATC
/// core, the whole board fed a byte string) driven by line commands; each answer ends with
/// <c>done CYCLES</c>. One instance serialises its commands. See hw/sim/board_sim.cpp for the commands.
/// </summary>
public sealed class BoardSimUnit : IDisposable
{
    private readonly Process _process;
    private readonly Lock _lock = new();

    /// <summary>Starts <paramref name="binary"/> in unit mode.</summary>
    public BoardSimUnit(string binary)
    {
        var psi = new ProcessStartInfo(binary, ["--unit"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        _process = Process.Start(psi) ?? throw new IOException("could not start " + binary);
        _process.StandardInput.AutoFlush = true;
    }

    /// <summary>Runs one command; returns its answer lines (without the final <c>done</c>) and the clock
    /// cycles it took.</summary>
    /// <exception cref="IOException">board-sim exited.</exception>
    public (List<string> Lines, long Cycles) Run(string command)
    {
        lock (_lock)
        {
            _process.StandardInput.WriteLine(command);
            if (Environment.GetEnvironmentVariable("BOARD_SIM_TRANSCRIPT") is { Length: > 0 } transcript)
            {
                File.AppendAllText(transcript, command + "\n"); // to replay a failing bench by hand
            }
            var lines = new List<string>();
            while (true)
            {
                string line = _process.StandardOutput.ReadLine()
                    ?? throw new IOException("board-sim --unit exited: " + _process.StandardError.ReadToEnd());
                if (line.StartsWith("done ", StringComparison.Ordinal))
                {
                    return (lines, long.Parse(line.AsSpan(5), CultureInfo.InvariantCulture));
                }
                lines.Add(line);
            }
        }
    }

    /// <summary>Feeds <paramref name="bytes"/> to the board (a new session) back to back, runs it until it
    /// is quiet, and returns what it sent, the cycles that took, and the cycle on which it took the last
    /// input byte (one byte per clock with no stall: the input's length).</summary>
    public (byte[] Output, long Cycles, long InputDone) Board(ReadOnlySpan<byte> bytes)
    {
        (List<string> lines, long cycles) = Run("board " + Convert.ToHexStringLower(bytes));
        string hex = "";
        long took = -1;
        foreach (string line in lines)
        {
            if (line.StartsWith("out", StringComparison.Ordinal))
            {
                hex = line[3..].Trim();
            }
            else if (line.StartsWith("took ", StringComparison.Ordinal))
            {
                took = long.Parse(line.AsSpan(5), CultureInfo.InvariantCulture);
            }
        }
        return (Convert.FromHexString(hex), cycles, took);
    }

    /// <summary>Hex of a number, as the commands take it.</summary>
    public static string Hex(ulong value) => value.ToString("x", CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(5000))
            {
                _process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }
}
