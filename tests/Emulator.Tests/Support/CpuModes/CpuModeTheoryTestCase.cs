using System.ComponentModel;
using Emulator.Core.Cpu;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.Tests.Support.CpuModes;

/// <summary>A theory whose rows are enumerated when it runs, run with the vCPU defaults of one
/// <see cref="CpuMode"/> (<see cref="CpuModeMatrix.Use"/>).</summary>
public sealed class CpuModeTheoryTestCase : XunitTheoryTestCase
{
    private CpuMode _mode;

    /// <summary>For the deserializer.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public CpuModeTheoryTestCase()
    {
    }

    /// <summary>The theory <paramref name="testMethod"/> in <paramref name="mode"/>.</summary>
    public CpuModeTheoryTestCase(IMessageSink sink, TestMethodDisplay display, TestMethodDisplayOptions displayOptions,
        ITestMethod testMethod, CpuMode mode)
        : base(sink, display, displayOptions, testMethod)
    {
        _mode = mode;
    }

    /// <summary>The mode the case runs in.</summary>
    public CpuMode Mode => _mode;

    /// <inheritdoc/>
    protected override void Initialize()
    {
        base.Initialize();
        DisplayName += $" [{CpuModeMatrix.Name(_mode)}]";
    }

    /// <inheritdoc/>
    protected override string GetUniqueID() => $"{base.GetUniqueID()}:{CpuModeMatrix.Name(_mode)}";

    /// <inheritdoc/>
    public override void Serialize(IXunitSerializationInfo data)
    {
        data.AddValue("CpuMode", (int)_mode);
        base.Serialize(data);
    }

    /// <inheritdoc/>
    public override void Deserialize(IXunitSerializationInfo data)
    {
        _mode = (CpuMode)data.GetValue<int>("CpuMode");
        base.Deserialize(data);
    }

    /// <inheritdoc/>
    public override async Task<RunSummary> RunAsync(IMessageSink diagnosticMessageSink, IMessageBus messageBus,
        object[] constructorArguments, ExceptionAggregator aggregator, CancellationTokenSource cancellationTokenSource)
    {
        using (CpuModeMatrix.Use(_mode))
        {
            return await base.RunAsync(diagnosticMessageSink, messageBus, constructorArguments, aggregator, cancellationTokenSource);
        }
    }
}
