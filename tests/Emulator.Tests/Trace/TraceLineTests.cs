using Emulator.Core.Trace;

namespace Emulator.Tests.Trace;

/// <summary>The table in <see cref="TraceLineCases"/>: one statement a case, named by its table line.</summary>
public sealed class TraceLineTests
{
    public static TheoryData<int, string, string> Cases()
    {
        var data = new TheoryData<int, string, string>();
        foreach ((int line, string input, string expected) in TraceLineCases.Cases())
        {
            data.Add(line, input, expected);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Statement_parses_to_its_canonical_text_or_its_error(int tableLine, string input, string expected)
    {
        ParseResult result = TraceParser.Parse("t.trace", TraceLineCases.Preamble + input + "\n");
        const int line = 5;
        if (expected.StartsWith("error ", StringComparison.Ordinal))
        {
            int colon = expected.IndexOf(':');
            int column = int.Parse(expected[6..colon]);
            string message = expected[(colon + 1)..].Trim();
            // Exactly one error, on the case's line and at the expected column: the preamble is clean.
            Assert.True(result.Errors.Count == 1, $"table line {tableLine}: {string.Join("; ", result.Errors)}");
            Assert.Equal($"t.trace:{line}:{column}: {message}", result.Errors[0].ToString());
            Assert.Empty(result.Statements);
        }
        else
        {
            Assert.True(result.Success, $"table line {tableLine}: {string.Join("; ", result.Errors)}");
            Statement statement = result.Statements[^1];
            Assert.Equal(line, statement.Line);
            Assert.Equal(1, statement.Column);
            // The writer's canonical form is the contract the recorder relies on.
            Assert.Equal(expected == "=" ? input : expected, TraceWriter.Format(statement));
            // And the canonical form parses to the same statement.
            ParseResult again = TraceParser.Parse("t.trace", TraceLineCases.Preamble + TraceWriter.Format(statement));
            Assert.True(again.Success, string.Join("; ", again.Errors));
            Assert.Equal(statement, again.Statements[^1]);
        }
    }

    [Fact]
    public void The_table_is_not_empty_and_its_preamble_parses()
    {
        Assert.True(TraceParser.Parse("t.trace", TraceLineCases.Preamble).Success);
        Assert.True(TraceLineCases.Cases().Count() > 100);
    }
}
