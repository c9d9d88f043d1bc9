namespace Emulator.Core.Trace;

/// <summary><c>expect atc DEV PROC ADDR present|absent</c>: whether the device's ATC holds a
/// translation for the page containing ADDR under PROC's PASID.</summary>
public sealed record ExpectAtcStatement(string Device, string Process, ulong Address, bool Present) : Statement;
