namespace Emulator.Tests.Cli;

/// <summary>A fact that needs a compiler: skipped, naming the package, when it is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RecipeFactAttribute(string compiler) : FactAttribute
{
    private string? _skip;

    public override string? Skip
    {
        get => _skip ?? (GuestRecipeTests.Which(compiler) is null
            ? $"{compiler} not found on PATH (apt install {(compiler == "musl-gcc" ? "musl-tools" : "gcc")}): the documented recipe is not checked"
            : null);
        set => _skip = value;
    }
}
