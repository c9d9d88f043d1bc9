using Emulator.Core.Trace;
using Emulator.Core.Trace.Replay;
using Emulator.Core.Trace.Strace;

namespace Emulator.Tests.Trace.Strace;

/// <summary>Import, write, parse back and replay, as <c>emulator trace import-strace</c> then <c>emulator replay</c> would.</summary>
internal static class StraceTestSupport
{
    public static StraceImportResult ImportOk(string log, StraceImportOptions? options = null)
    {
        var result = StraceImporter.Import(log, options);
        Assert.True(result.Success, "import errors:\n" + string.Join("\n", result.Errors));
        return result;
    }

    /// <summary>The canonical text of an import, without the header line.</summary>
    public static string Body(StraceImportResult result)
    {
        string text = TraceWriter.Write(result.Statements);
        return text[(text.IndexOf('\n') + 1)..];
    }

    public static ReplayResult Replay(StraceImportResult result, ReplayOptions? options = null)
    {
        string text = TraceWriter.Write(result.Statements);
        var parsed = TraceParser.Parse("imported.trace", text);
        // What the importer writes is canonical v1: it parses, and to the same statements.
        Assert.True(parsed.Success, "the imported trace does not parse:\n" + string.Join("\n", parsed.Errors));
        Assert.Equal(result.Statements.Count, parsed.Statements.Count);
        return TraceReplayer.Run("imported.trace", parsed, options);
    }

    public static void AssertReplays(StraceImportResult result)
    {
        var r = Replay(result);
        Assert.True(r.Passed, "replay failures:\n" + string.Join("\n", r.Failures) + "\ntrace:\n" + TraceWriter.Write(result.Statements));
    }
}
