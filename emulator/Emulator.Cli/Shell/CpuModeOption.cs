using System.CommandLine;
using Emulator.Core.Cpu;

namespace Emulator.Cli.Shell;

/// <summary><c>--cpu-mode jit|interp</c>, for the commands that run guest code.</summary>
internal static class CpuModeOption
{
    /// <summary>The option (no default value: absent means <see cref="CpuOptions.DefaultMode"/>,
    /// which is jit unless <c>EMULATOR_CPU_MODE</c> says otherwise).</summary>
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--cpu-mode")
        {
            Description = "How vCPUs run guest code: jit (the interpreter, with hot code translated to .NET methods; the default, or EMULATOR_CPU_MODE) " +
                "or interp (the interpreter only, the reference). Both give the same run",
            HelpName = "jit|interp",
        };
        option.AcceptOnlyFromAmong("jit", "interp");
        return option;
    }

    /// <summary>The vCPU defaults for the command's run: disposed when it ends (the process-wide
    /// defaults are untouched, so in-process callers are unaffected).</summary>
    public static IDisposable Use(ParseResult parse, Option<string?> option) =>
        CpuOptions.UseDefaults(CpuOptions.ParseMode(parse.GetValue(option)) ?? CpuOptions.DefaultMode, CpuOptions.DefaultTranslationThreshold);

    /// <summary>The name of <paramref name="mode"/> as the option spells it.</summary>
    public static string Name(CpuMode mode) => mode == CpuMode.Interpret ? "interp" : "jit";
}
