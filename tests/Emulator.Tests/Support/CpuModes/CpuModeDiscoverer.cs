using Emulator.Core.Cpu;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.Tests.Support.CpuModes;

/// <summary>xunit's discoverer; for the classes <see cref="CpuModeMatrix"/> selects, each plain
/// test case it finds is reported once per mode instead.</summary>
internal sealed class CpuModeDiscoverer(IAssemblyInfo assemblyInfo, ISourceInformationProvider sourceProvider, IMessageSink diagnosticMessageSink)
    : XunitTestFrameworkDiscoverer(assemblyInfo, sourceProvider, diagnosticMessageSink)
{
    /// <inheritdoc/>
    protected override bool FindTestsForMethod(ITestMethod testMethod, bool includeSourceInformation, IMessageBus messageBus,
        ITestFrameworkDiscoveryOptions discoveryOptions)
    {
        if (!CpuModeMatrix.Applies(testMethod.TestClass.Class.Name))
        {
            return base.FindTestsForMethod(testMethod, includeSourceInformation, messageBus, discoveryOptions);
        }
        using var split = new SplittingBus(messageBus, DiagnosticMessageSink, discoveryOptions);
        return base.FindTestsForMethod(testMethod, includeSourceInformation, split, discoveryOptions);
    }

    /// <summary>Passes discovery messages on, replacing each xunit test case by one per mode (other
    /// kinds of case — a skipped data row, an error — pass once, as they are).</summary>
    private sealed class SplittingBus(IMessageBus inner, IMessageSink sink, ITestFrameworkDiscoveryOptions options) : IMessageBus
    {
        public bool QueueMessage(IMessageSinkMessage message)
        {
            if (message is not ITestCaseDiscoveryMessage { TestCase: var testCase })
            {
                return inner.QueueMessage(message);
            }
            TestMethodDisplay display = options.MethodDisplayOrDefault();
            TestMethodDisplayOptions displayOptions = options.MethodDisplayOptionsOrDefault();
            bool keepGoing = true;
            foreach (CpuMode mode in CpuModeMatrix.Modes)
            {
                ITestCase? split = testCase.GetType() == typeof(XunitTheoryTestCase)
                    ? new CpuModeTheoryTestCase(sink, display, displayOptions, testCase.TestMethod, mode)
                    : testCase.GetType() == typeof(XunitTestCase)
                        ? new CpuModeTestCase(sink, display, displayOptions, testCase.TestMethod, testCase.TestMethodArguments, mode)
                        : null;
                if (split is null)
                {
                    return inner.QueueMessage(message);
                }
                split.SourceInformation = testCase.SourceInformation;
                keepGoing &= inner.QueueMessage(new TestCaseDiscoveryMessage(split));
            }
            return keepGoing;
        }

        public void Dispose()
        {
        }
    }
}
