using Emulator.Core.Cpu;

namespace Emulator.Tests.Support.CpuModes;

/// <summary>
/// Which tests run once per <see cref="CpuMode"/> (issue 12: every CPU, kernel and guest test runs
/// with the translator and with the interpreter, in the same <c>dotnet test</c>), and the vCPU
/// defaults each mode's run gets. <see cref="CpuModeTestFramework"/> applies it.
/// </summary>
internal static class CpuModeMatrix
{
    /// <summary>Namespaces (and their sub-namespaces) whose tests run in both modes: the CPU's and
    /// the kernel's (which run the guest programs), and the end-to-end SVA tests that run guests.</summary>
    /// <remarks><c>Cpu.Translate</c> is left out: its rigs choose the mode of each vCPU themselves.</remarks>
    private static readonly string[] s_namespaces = ["Emulator.Tests.Cpu", "Emulator.Tests.Kernel", "Emulator.Tests.EndToEnd"];

    private static readonly string[] s_excluded = ["Emulator.Tests.Cpu.Translate", "Emulator.Tests.Support"];

    /// <summary>The modes, in the order their cases are listed.</summary>
    public static readonly CpuMode[] Modes = [CpuMode.Translate, CpuMode.Interpret];

    /// <summary>
    /// The translation threshold of the translator's run: low, so that the small programs of the
    /// CPU tests are translated (with the default, most would never reach a hot block), yet not 1,
    /// so that a guest's once-run start-up code stays interpreted (translating all of a libc
    /// start-up costs seconds per test) and the two tiers mix as they do in real runs.
    /// </summary>
    public const int TranslateThreshold = 2;

    /// <summary>True when the tests of <paramref name="className"/> run once per mode.</summary>
    public static bool Applies(string className)
    {
        foreach (string ns in s_excluded)
        {
            if (className.StartsWith(ns + ".", StringComparison.Ordinal))
            {
                return false;
            }
        }
        foreach (string ns in s_namespaces)
        {
            if (className.StartsWith(ns + ".", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The name a mode has in test names (as <c>--cpu-mode</c> spells it).</summary>
    public static string Name(CpuMode mode) => mode == CpuMode.Interpret ? "interp" : "jit";

    /// <summary>Sets the vCPU defaults of <paramref name="mode"/>'s run for the current flow. Regions
    /// compile on the vCPU's thread, so which code runs translated depends on the test alone, not on
    /// host timing (a failure reproduces).</summary>
    public static IDisposable Use(CpuMode mode) =>
        CpuOptions.UseDefaults(mode, mode == CpuMode.Translate ? TranslateThreshold : CpuOptions.DefaultTranslationThreshold, background: false);
}
