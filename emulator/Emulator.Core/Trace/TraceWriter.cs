using System.Text;
using Emulator.Core.Iommu;

namespace Emulator.Core.Trace;

/// <summary>Formats statements as canonical v1 text: one statement a line, single spaces,
/// addresses and sizes as lowercase <c>0x</c> hex without suffix, counts and SIDs in decimal,
/// PROT in the order <c>rwx</c>, and no <c>=&gt; ok</c> (it is the default).</summary>
/// <remarks>For every statement list the parser can produce, <c>Parse(Write(x))</c> equals x once
/// each statement i carries Line = i+1 and Column = 1 (the positions canonical text gives it).
/// The writer does not validate: a statement built in code with an invalid name is written as is
/// and will fail to parse.</remarks>
public static class TraceWriter
{
    /// <summary>The statements, each followed by <c>\n</c>.</summary>
    public static string Write(IEnumerable<Statement> statements)
    {
        var sb = new StringBuilder();
        foreach (Statement s in statements)
        {
            Append(sb, s);
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Writes each statement and <c>\n</c> to <paramref name="writer"/>.</summary>
    public static void Write(IEnumerable<Statement> statements, TextWriter writer)
    {
        var sb = new StringBuilder();
        foreach (Statement s in statements)
        {
            sb.Clear();
            Append(sb, s);
            sb.Append('\n');
            writer.Write(sb);
        }
    }

    /// <summary>One statement, without line end.</summary>
    public static string Format(Statement statement)
    {
        var sb = new StringBuilder();
        Append(sb, statement);
        return sb.ToString();
    }

    /// <summary>Appends one statement, without line end.</summary>
    public static void Append(StringBuilder sb, Statement statement)
    {
        switch (statement)
        {
            case TraceHeader h:
                sb.Append("trace ").Append(h.Version);
                break;
            case MachineStatement m:
                sb.Append("machine");
                if (m.Ram is ulong ram) { sb.Append(" ram="); Hex(sb, ram); }
                if (m.Paging is int paging) { sb.Append(" paging=").Append(paging); }
                if (m.AtcEntries is ulong atc) { sb.Append(" atc-entries=").Append(atc); }
                if (m.IotlbEntries is ulong iotlb) { sb.Append(" iotlb-entries=").Append(iotlb); }
                if (m.CmdqEntries is ulong cmdq) { sb.Append(" cmdq-entries=").Append(cmdq); }
                for (int bit = 0; bit < FaultInjectionNames.All.Count; bit++)
                {
                    if (((int)m.Inject & (1 << bit)) != 0)
                    {
                        sb.Append(" inject=").Append(FaultInjectionNames.All[bit]);
                    }
                }
                break;
            case ProcessStatement p:
                sb.Append("process ").Append(p.Name);
                break;
            case DeviceStatement d:
                sb.Append("device ").Append(d.Name).Append(" sid=").Append(d.Sid);
                if (d.Ats) { sb.Append(" ats"); }
                if (d.Pri) { sb.Append(" pri"); }
                if (d.PasidBits is int bits) { sb.Append(" pasid-bits=").Append(bits); }
                break;
            case ExpectAtcStatement e:
                sb.Append("expect atc ").Append(e.Device).Append(' ').Append(e.Process).Append(' ');
                Hex(sb, e.Address);
                sb.Append(e.Present ? " present" : " absent");
                break;
            case ExpectCountStatement e:
                sb.Append("expect count ").Append(TraceNames.Counters[(int)e.Counter]).Append(' ')
                  .Append(TraceNames.Ops[(int)e.Op]).Append(' ').Append(e.Value);
                break;
            case ActionStatement a:
                AppendAction(sb, a);
                AppendResult(sb, a.Result);
                break;
            default:
                throw new ArgumentException($"unknown statement type {statement.GetType().Name}", nameof(statement));
        }
    }

    private static void AppendAction(StringBuilder sb, ActionStatement action)
    {
        switch (action)
        {
            case BindStatement b:
                sb.Append("bind ").Append(b.Device).Append(' ').Append(b.Process);
                break;
            case UnbindStatement u:
                sb.Append("unbind ").Append(u.Device).Append(' ').Append(u.Process);
                break;
            case MmapStatement m:
                Range(sb, "mmap", m.Process, m.Address, m.Size);
                sb.Append(' ').Append(TraceNames.FormatProtection(m.Protection));
                if (m.Shared) { sb.Append(" shared"); }
                break;
            case MunmapStatement m:
                Range(sb, "munmap", m.Process, m.Address, m.Size);
                break;
            case MprotectStatement m:
                Range(sb, "mprotect", m.Process, m.Address, m.Size);
                sb.Append(' ').Append(TraceNames.FormatProtection(m.Protection));
                break;
            case MadviseStatement m:
                Range(sb, "madvise", m.Process, m.Address, m.Size);
                sb.Append(" dontneed");
                break;
            case MremapStatement m:
                Range(sb, "mremap", m.Process, m.Address, m.Size);
                sb.Append(' ');
                Hex(sb, m.NewSize);
                if (m.To is ulong to) { sb.Append(" to="); Hex(sb, to); }
                break;
            case BrkStatement b:
                sb.Append("brk ").Append(b.Process).Append(' ');
                Hex(sb, b.Address);
                break;
            case ForkStatement f:
                sb.Append("fork ").Append(f.Process).Append(' ').Append(f.Child);
                break;
            case ExitStatement e:
                sb.Append("exit ").Append(e.Process);
                break;
            case MigrateStatement m:
                Range(sb, "migrate", m.Process, m.Address, m.Size);
                break;
            case WriteStatement w:
                Range(sb, "write", w.Process, w.Address, w.Size);
                sb.Append(' ').Append(w.Data.ToString());
                break;
            case ReadStatement r:
                Range(sb, "read", r.Process, r.Address, r.Size);
                break;
            case DmaStatement d:
                sb.Append("dma ").Append(d.Device).Append(' ');
                Range(sb, d.Direction == DmaDirection.Write ? "write" : "read", d.Process, d.Address, d.Size, processFirst: true);
                if (d.Direction == DmaDirection.Write) { sb.Append(' ').Append(d.Data.ToString()); }
                break;
            default:
                throw new ArgumentException($"unknown action type {action.GetType().Name}", nameof(action));
        }
    }

    private static void AppendResult(StringBuilder sb, ExpectedResult result)
    {
        switch (result.Kind)
        {
            case ResultKind.Any: sb.Append(" => any"); break;
            case ResultKind.Fault: sb.Append(" => fault"); break;
            case ResultKind.Error: sb.Append(" => error ").Append(result.Error.ToString()); break;
            case ResultKind.Pattern: sb.Append(" => ").Append(result.Pattern.ToString()); break;
        }
    }

    private static void Range(StringBuilder sb, string keyword, string process, ulong address, ulong size, bool processFirst = false)
    {
        if (processFirst)
        {
            sb.Append(process).Append(' ').Append(keyword);
        }
        else
        {
            sb.Append(keyword).Append(' ').Append(process);
        }
        sb.Append(' ');
        Hex(sb, address);
        sb.Append(' ');
        Hex(sb, size);
    }

    private static void Hex(StringBuilder sb, ulong value) => sb.Append("0x").Append(value.ToString("x"));
}
