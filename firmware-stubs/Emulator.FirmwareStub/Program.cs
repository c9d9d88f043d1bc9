namespace Emulator.FirmwareStub;

internal static class Program
{
    private static int Main(string[] args)
    {
        Console.Error.WriteLine("firmware-stub: not built yet");
        return 2;
    }
}
