using Emulator.FirmwareStub;

Emulator.Core.Diagnostics.Log.ConfigureConsole();
return StubCommand.Create().Parse(args).Invoke();
