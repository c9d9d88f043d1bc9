using System.Globalization;
using System.Text.Json;
using Emulator.Core;
using Emulator.Core.Kernel;
using Emulator.Core.Smmu;

namespace Emulator.Cli;

/// <summary>
/// What <c>boot</c> reports after a guest run: the work done, the mm and IOMMU counters, each
/// process's end and the oracle's verdict. Written as text (stderr or <c>--summary FILE</c>) or JSON
/// (<c>--json FILE</c>), so the guest's own stdout and stderr carry only what it wrote.
/// </summary>
internal sealed record GuestSummary
{
    public required long Instructions { get; init; }
    public required double Milliseconds { get; init; }
    public required double Mips { get; init; }
    public required long PageFaults { get; init; }
    public required long Syscalls { get; init; }
    public required long ContextSwitches { get; init; }
    public required long VirtualNanoseconds { get; init; }
    public required long NotifierInvalidations { get; init; }
    public required long SecondaryTlbInvalidations { get; init; }
    public required long CowBreaks { get; init; }
    public required long AtcInvalidations { get; init; }
    public required long PageRequests { get; init; }
    public required long CommandErrors { get; init; }

    /// <summary>Each SVA device's asynchronous work (portal descriptors, drains), for the devices that had any.</summary>
    public IReadOnlyList<GuestDeviceSummary> Devices { get; init; } = [];
    public required IReadOnlyList<GuestProcessResult> Processes { get; init; }
    public required IReadOnlyList<ulong> UnknownSyscalls { get; init; }
    public required long OracleChecked { get; init; }
    public required long OracleStale { get; init; }
    public required long OracleViolations { get; init; }

    /// <summary>The oracle's findings, readable (see <see cref="OracleReport"/>).</summary>
    public required IReadOnlyList<string> OracleFindings { get; init; }

    /// <summary>The guest's status as a shell sees it (exit code, or 128 + signal).</summary>
    public required int GuestStatus { get; init; }

    /// <summary>Problems the emulator found (oracle, lockstep, board), one line each; empty when none.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>The board backend's counters (one line), or null on sim.</summary>
    public string? Board { get; init; }

    /// <summary>The statistics (<c>--stats</c>), or null.</summary>
    public Core.Diagnostics.TraceStatistics? Stats { get; init; }

    /// <summary>The exit code boot returns, once decided.</summary>
    public int? ExitCode { get; init; }

    public bool Coherent => OracleStale == 0 && OracleViolations == 0;

    /// <summary>Collects the summary of a finished run.</summary>
    public static GuestSummary From(Machine machine, GuestKernel kernel, KernelRunResult result, bool verbose)
    {
        long notifier = 0, secondary = 0, cow = 0;
        foreach (var p in kernel.Processes)
        {
            var s = p.Mm.Stats;
            notifier += s.RangeInvalidations;
            secondary += s.SecondaryTlbInvalidations;
            cow += s.CowBreaks;
        }
        var driver = machine.SmmuDriver?.Stats;
        return new GuestSummary
        {
            Instructions = result.Instructions,
            Milliseconds = result.Elapsed.TotalMilliseconds,
            Mips = result.Mips,
            PageFaults = result.PageFaults,
            Syscalls = result.Syscalls,
            ContextSwitches = result.ContextSwitches,
            VirtualNanoseconds = result.VirtualNanoseconds,
            NotifierInvalidations = notifier,
            SecondaryTlbInvalidations = secondary,
            CowBreaks = cow,
            AtcInvalidations = driver?.Commands(CommandOpcode.AtcInv) ?? 0,
            PageRequests = driver?.PageRequests ?? 0,
            CommandErrors = driver?.CommandErrors ?? 0,
            Devices = [.. kernel.Devices.Where(d => d.Async.Submitted > 0).Select(d => new GuestDeviceSummary(d.Path, d.Async.Submitted, d.Async.Retries,
                d.Engine.Device.DrainingInvalidations, d.Engine.Device.DrainedAccesses, d.Engine.Device.EarlyCompletions))],
            Processes = result.Processes,
            UnknownSyscalls = result.UnknownSyscalls,
            OracleChecked = machine.Oracle.Checked,
            OracleStale = machine.Oracle.Stale,
            OracleViolations = machine.Oracle.Violations,
            OracleFindings = OracleReport.Lines(machine.Oracle, verbose),
            GuestStatus = result.Init?.ShellStatus ?? 0,
        };
    }

    /// <summary>The human-readable summary, one fact a line.</summary>
    public void WriteText(TextWriter w)
    {
        var c = CultureInfo.InvariantCulture;
        w.WriteLine(string.Create(c, $"guest: {Instructions} instructions in {Milliseconds:F0} ms ({Mips:F1} MIPS), {PageFaults} page faults, {Syscalls} syscalls, {ContextSwitches} context switches"));
        w.WriteLine(string.Create(c, $"mm: {NotifierInvalidations} notifier invalidations, {SecondaryTlbInvalidations} secondary-TLB invalidations, {CowBreaks} COW breaks"));
        w.WriteLine(string.Create(c, $"iommu: {AtcInvalidations} ATC invalidations, {PageRequests} page requests, {CommandErrors} command errors"));
        foreach (var d in Devices)
        {
            string early = d.EarlyCompletions > 0 ? string.Create(c, $", {d.EarlyCompletions} answered before draining") : "";
            w.WriteLine(string.Create(c, $"{d.Path}: {d.PortalDescriptors} portal descriptors ({d.EnqcmdRetries} ENQCMD retries), {d.DrainingInvalidations} invalidations drained {d.DrainedAccesses} DMAs in flight{early}"));
        }
        foreach (var p in Processes)
        {
            w.WriteLine(p.ToString());
        }
        if (UnknownSyscalls.Count > 0)
        {
            w.WriteLine($"unimplemented syscalls (-ENOSYS): {string.Join(", ", UnknownSyscalls)}");
        }
        w.WriteLine(Coherent
            ? string.Create(c, $"oracle: coherent ({OracleChecked} DMA accesses checked, 0 stale)")
            : string.Create(c, $"oracle: {OracleStale} stale DMA accesses, {OracleViolations} ATC entries outliving their mapping"));
        foreach (string line in OracleFindings)
        {
            w.WriteLine("  " + line);
        }
        if (Board is not null)
        {
            w.WriteLine(Board);
        }
        Stats?.WriteText(w);
        foreach (string problem in Problems)
        {
            w.WriteLine(problem);
        }
    }

    /// <summary>The same as one JSON object (the <c>--json</c> format; docs/cli.md).</summary>
    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("exit_code", ExitCode ?? GuestStatus);
        w.WriteNumber("guest_status", GuestStatus);
        w.WriteStartArray("problems");
        foreach (string p in Problems)
        {
            w.WriteStringValue(p);
        }
        w.WriteEndArray();
        w.WriteStartObject("guest");
        w.WriteNumber("instructions", Instructions);
        w.WriteNumber("milliseconds", Math.Round(Milliseconds, 3));
        w.WriteNumber("mips", Math.Round(Mips, 3));
        w.WriteNumber("page_faults", PageFaults);
        w.WriteNumber("syscalls", Syscalls);
        w.WriteNumber("context_switches", ContextSwitches);
        w.WriteNumber("virtual_ns", VirtualNanoseconds);
        w.WriteStartArray("unimplemented_syscalls");
        foreach (ulong n in UnknownSyscalls)
        {
            w.WriteNumberValue(n);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("processes");
        foreach (var p in Processes)
        {
            w.WriteStartObject();
            w.WriteNumber("pid", p.Pid);
            w.WriteNumber("ppid", p.ParentPid);
            w.WriteString("name", p.Name);
            w.WriteBoolean("exited", p.Exited);
            if (p.Signal != 0)
            {
                w.WriteNumber("signal", p.Signal);
            }
            else
            {
                w.WriteNumber("exit", p.ExitCode);
            }
            w.WriteNumber("instructions", p.Instructions);
            if (p.Report is not null)
            {
                w.WriteString("report", p.Report);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("mm");
        w.WriteNumber("notifier_invalidations", NotifierInvalidations);
        w.WriteNumber("secondary_tlb_invalidations", SecondaryTlbInvalidations);
        w.WriteNumber("cow_breaks", CowBreaks);
        w.WriteEndObject();
        w.WriteStartObject("iommu");
        w.WriteNumber("atc_invalidations", AtcInvalidations);
        w.WriteNumber("page_requests", PageRequests);
        w.WriteNumber("command_errors", CommandErrors);
        w.WriteEndObject();
        w.WriteStartArray("devices");
        foreach (var d in Devices)
        {
            w.WriteStartObject();
            w.WriteString("path", d.Path);
            w.WriteNumber("portal_descriptors", d.PortalDescriptors);
            w.WriteNumber("enqcmd_retries", d.EnqcmdRetries);
            w.WriteNumber("draining_invalidations", d.DrainingInvalidations);
            w.WriteNumber("drained_dmas", d.DrainedAccesses);
            w.WriteNumber("early_completions", d.EarlyCompletions);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartObject("oracle");
        w.WriteBoolean("coherent", Coherent);
        w.WriteNumber("checked", OracleChecked);
        w.WriteNumber("stale", OracleStale);
        w.WriteNumber("violations", OracleViolations);
        w.WriteStartArray("findings");
        foreach (string f in OracleFindings)
        {
            w.WriteStringValue(f);
        }
        w.WriteEndArray();
        w.WriteEndObject();
        if (Board is not null)
        {
            w.WriteString("board", Board);
        }
        if (Stats is not null)
        {
            w.WritePropertyName("stats");
            Stats.WriteJson(w);
        }
        w.WriteEndObject();
    }

    /// <summary>The JSON as a string (indented, one trailing newline).</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(w);
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
