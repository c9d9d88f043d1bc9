using System.Runtime.InteropServices;

namespace Emulator.Tests.Board;

/// <summary>A fact that needs an external tool and/or libusb-1.0: skipped, naming the package to install,
/// where one is missing. <c>.ci/run</c> installs them.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class UsbToolFactAttribute : FactAttribute
{
    private string? _skip;

    /// <summary>Executable looked up on PATH, e.g. <c>umockdev-run</c>; null: none.</summary>
    public string? Tool { get; set; }

    /// <summary>The Debian package providing <see cref="Tool"/>.</summary>
    public string? Package { get; set; }

    /// <summary>Needs libusb-1.0.so.0.</summary>
    public bool NeedsLibUsb { get; set; }

    public override string? Skip
    {
        get => _skip ?? Missing();
        set => _skip = value;
    }

    private string? Missing()
    {
        if (Tool is not null && Find(Tool) is null)
        {
            return $"{Tool} not found on PATH (apt install {Package ?? Tool})";
        }
        if (NeedsLibUsb && !HasLibUsb)
        {
            return "libusb-1.0 not found (apt install libusb-1.0-0)";
        }
        return null;
    }

    /// <summary>Can libusb-1.0 be loaded?</summary>
    public static bool HasLibUsb => NativeLibrary.TryLoad("libusb-1.0.so.0", out _);

    /// <summary>The full path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Find(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
