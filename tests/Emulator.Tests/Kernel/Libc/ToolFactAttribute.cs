using Emulator.Tests.Board;

namespace Emulator.Tests.Kernel.Libc;

/// <summary>A theory that needs host tools (gcc, musl-gcc, busybox, qemu-x86_64...): skipped, naming the
/// missing tool and its Debian package, when one is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    private readonly string[] _tools;
    private string? _skip;

    /// <param name="tools">Each "tool:package", e.g. "musl-gcc:musl-tools".</param>
    public ToolTheoryAttribute(params string[] tools) => _tools = tools;

    public override string? Skip
    {
        get => _skip ?? ToolFactAttribute.Missing(_tools);
        set => _skip = value;
    }
}

/// <summary>A fact that needs host tools; see <see cref="ToolTheoryAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ToolFactAttribute : FactAttribute
{
    private readonly string[] _tools;
    private string? _skip;

    /// <param name="tools">Each "tool:package", e.g. "busybox:busybox-static".</param>
    public ToolFactAttribute(params string[] tools) => _tools = tools;

    public override string? Skip
    {
        get => _skip ?? Missing(_tools);
        set => _skip = value;
    }

    internal static string? Missing(string[] tools)
    {
        if (!OperatingSystem.IsLinux() || System.Runtime.InteropServices.RuntimeInformation.OSArchitecture != System.Runtime.InteropServices.Architecture.X64)
        {
            return "host is not x86-64 Linux: nothing native to compare with";
        }
        foreach (string t in tools)
        {
            string[] parts = t.Split(':');
            if (UsbToolFactAttribute.Find(parts[0]) is null)
            {
                return $"{parts[0]} not found on PATH (apt install {(parts.Length > 1 ? parts[1] : parts[0])})";
            }
        }
        return null;
    }
}
