namespace Emulator.Core.Threading;

/// <summary>A lock-order or lock-held rule was broken: an emulator bug, found in debug builds.</summary>
public sealed class LockOrderException(string message) : InvalidOperationException(message);
