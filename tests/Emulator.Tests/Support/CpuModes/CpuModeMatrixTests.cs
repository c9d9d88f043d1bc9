using Emulator.Core.Cpu;
using Emulator.Tests.Cpu;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Emulator.Tests.Support.CpuModes;

/// <summary>The parameterisation itself: which classes run twice, under which names, with which
/// vCPU defaults.</summary>
public sealed class CpuModeMatrixTests
{
    [Fact]
    public void A_cpu_test_is_discovered_once_per_mode_and_an_smmu_test_once()
    {
        List<ITestCase> cpu = Discover(typeof(PortalInstructionTests));
        List<ITestCase> smmu = Discover(typeof(Smmu.SmmuPriqTests));

        // Each CPU case exists exactly twice, as [jit] and [interp], with distinct IDs (so results
        // are reported separately); the SMMU cases are not doubled.
        var modes = cpu.Select(c => Assert.IsType<CpuModeTestCase>(c).Mode).ToList();
        Assert.Equal(modes.Count(m => m == CpuMode.Translate), modes.Count(m => m == CpuMode.Interpret));
        Assert.All(cpu, c => Assert.Matches(@" \[(jit|interp)\]$", c.DisplayName));
        Assert.Equal(cpu.Count, cpu.Select(c => c.UniqueID).Distinct().Count());
        Assert.NotEmpty(smmu);
        Assert.All(smmu, c => Assert.IsNotType<CpuModeTestCase>(c));
        Assert.All(smmu, c => Assert.DoesNotContain("[jit]", c.DisplayName));
    }

    [Fact]
    public void A_mode_case_survives_serialization()
    {
        CpuModeTestCase original = Discover(typeof(PortalInstructionTests)).OfType<CpuModeTestCase>().First(c => c.Mode == CpuMode.Interpret);

        var copy = SerializationHelper.Deserialize<CpuModeTestCase>(SerializationHelper.Serialize(original));

        // A runner that ships cases between processes gets the same mode, name and identity back.
        Assert.Equal(CpuMode.Interpret, copy.Mode);
        Assert.Equal(original.DisplayName, copy.DisplayName);
        Assert.Equal(original.UniqueID, copy.UniqueID);
    }

    [Fact]
    public async Task The_defaults_hold_for_the_flow_and_its_threads_and_end_with_the_scope()
    {
        CpuMode outside = CpuOptions.DefaultMode;
        using (CpuOptions.UseDefaults(CpuMode.Interpret, 7))
        {
            // Seen by options created here, on another thread the flow starts, and after an await.
            Assert.Equal(CpuMode.Interpret, new CpuOptions().Mode);
            CpuMode onThread = CpuMode.Translate;
            var thread = new Thread(() => onThread = new CpuOptions().Mode);
            thread.Start();
            thread.Join();
            Assert.Equal(CpuMode.Interpret, onThread);
            await Task.Yield();
            Assert.Equal(7, new CpuOptions().TranslationThreshold);
        }
        // Disposed: the process-wide default again.
        Assert.Equal(outside, new CpuOptions().Mode);
    }

    private static List<ITestCase> Discover(Type type)
    {
        var sink = new Collector();
        using var discoverer = new CpuModeDiscoverer(Reflector.Wrap(type.Assembly), new NoSource(), sink);
        discoverer.Find(type.FullName!, includeSourceInformation: false, sink, new Options());
        Assert.True(sink.Done.Wait(TimeSpan.FromSeconds(60)), "discovery did not finish");
        return sink.Cases;
    }

    private sealed class Collector : LongLivedMarshalByRefObject, IMessageSink
    {
        public readonly List<ITestCase> Cases = [];
        public readonly ManualResetEventSlim Done = new();

        public bool OnMessage(IMessageSinkMessage message)
        {
            if (message is ITestCaseDiscoveryMessage d)
            {
                lock (Cases)
                {
                    Cases.Add(d.TestCase);
                }
            }
            else if (message is IDiscoveryCompleteMessage)
            {
                Done.Set();
            }
            return true;
        }
    }

    private sealed class NoSource : LongLivedMarshalByRefObject, ISourceInformationProvider
    {
        public ISourceInformation? GetSourceInformation(ITestCase testCase) => null;

        public void Dispose()
        {
        }
    }

    private sealed class Options : ITestFrameworkDiscoveryOptions
    {
        private readonly Dictionary<string, object?> _values = [];

        public TValue GetValue<TValue>(string name) => _values.TryGetValue(name, out object? v) && v is TValue t ? t : default!;

        public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
    }
}
