using Emulator.FirmwareStub;

StubLogging.Configure();
return StubCommand.Create().Parse(args).Invoke();
