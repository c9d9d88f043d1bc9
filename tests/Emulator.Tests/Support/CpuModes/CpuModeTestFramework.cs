using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestFramework("Emulator.Tests.Support.CpuModes.CpuModeTestFramework", "Emulator.Tests")]

namespace Emulator.Tests.Support.CpuModes;

/// <summary>
/// xunit's framework with one change at discovery: every test case of a class that
/// <see cref="CpuModeMatrix"/> selects becomes one case per CPU mode (named
/// <c>... [jit]</c> / <c>... [interp]</c>), run with that mode's vCPU defaults. One mechanism for
/// the whole assembly: no test class is copied or changed.
/// </summary>
public sealed class CpuModeTestFramework(IMessageSink messageSink) : XunitTestFramework(messageSink)
{
    /// <inheritdoc/>
    protected override ITestFrameworkDiscoverer CreateDiscoverer(IAssemblyInfo assemblyInfo) =>
        new CpuModeDiscoverer(assemblyInfo, SourceInformationProvider, DiagnosticMessageSink);

    /// <inheritdoc/>
    protected override ITestFrameworkExecutor CreateExecutor(AssemblyName assemblyName) =>
        new XunitTestFrameworkExecutor(assemblyName, SourceInformationProvider, DiagnosticMessageSink);
}
