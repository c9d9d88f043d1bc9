namespace Emulator.Fuzz;

/// <summary>A promise broken without an exception: thrown by a target so the runner records the input.</summary>
public sealed class FuzzFindingException(string message) : Exception(message);
