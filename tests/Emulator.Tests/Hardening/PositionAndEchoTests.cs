using System.Text;
using System.Text.Json;
using Emulator.Board.Config;
using Emulator.Core.Text;
using Emulator.Core.Trace;
using Emulator.Core.Trace.Strace;

namespace Emulator.Tests.Hardening;

/// <summary>Positions are as an editor shows them (lines end at LF only), and user input quoted in a
/// message is escaped, so a crafted file cannot drive the user's terminal.</summary>
public sealed class PositionAndEchoTests
{
    private static void AssertInert(string message)
    {
        // No character a terminal acts on survives: C0, DEL, C1, line separators, bidi overrides.
        foreach (char c in message)
        {
            Assert.False(c < 0x20 || c is (>= '\u007f' and <= '\u009f') or '\u2028' or '\u2029' or '\u202e' or '\u2066',
                $"raw U+{(int)c:X4} in: {message}");
        }
    }

    [Fact]
    public void Escape_shows_controls_by_name_and_keeps_text()
    {
        Assert.Equal(@"a\x1b[2Jb\rc\td\\e\u0085f\u202eg", SafeText.Escape("a\u001b[2Jb\rc\td\\e\u0085f\u202eg"));
        // Letters of other scripts and whole surrogate pairs are kept; a lone surrogate is not.
        Assert.Equal("añ日😀", SafeText.Escape("añ日😀"));
        Assert.Equal(@"x\ud800y", SafeText.Escape("x\ud800y"));
        // A huge token is cut, saying how much was left out.
        Assert.Equal(new string('a', 200) + "…(50 more)", SafeText.Escape(new string('a', 250)));
    }

    [Fact]
    public void Trace_message_escapes_an_escape_sequence_in_a_token()
    {
        var parsed = TraceParser.Parse("t", "trace 1\nprocess \u001b]0;pwned\u0007\u001b[2J\n");
        string message = Assert.Single(parsed.Errors).ToString();
        Assert.Equal(@"t:2:9: invalid name '\x1b]0;pwned\x07\x1b[2J': names match [a-z][a-z0-9_]*", message);
        AssertInert(message);
    }

    [Fact]
    public void Trace_lines_end_at_lf_only()
    {
        // A bare CR, U+2028 and U+0085 do not end a line: the error is on line 3, where an editor shows it.
        var parsed = TraceParser.Parse("t", "trace 1\nprocess p\u2028q\u0085r\rs\nprocess \u001bx\n");
        Assert.Equal(new[] { @"t:2:9: invalid name 'p\u2028q\u0085r\rs': names match [a-z][a-z0-9_]*",
            @"t:3:9: invalid name '\x1bx': names match [a-z][a-z0-9_]*" }, parsed.Errors.Select(e => e.ToString()));
        // CRLF is still a line end (the CR is dropped).
        Assert.True(TraceParser.Parse("t", "trace 1\r\nprocess p\r\n").Success);
    }

    [Fact]
    public void Invalid_utf8_is_located_by_line_and_character()
    {
        byte[] bytes = [.. "trace 1\nprocess p\n"u8, .. "# é"u8, 0xC3, 0x28, .. "\n"u8];
        var parsed = TraceParser.Parse("t", new MemoryStream(bytes));
        // Line 3, after "# é" (three characters): column 4.
        Assert.Equal("t:3:4: invalid UTF-8", Assert.Single(parsed.Errors).ToString());
    }

    [Fact]
    public void Strace_message_escapes_and_counts_lf_only()
    {
        var result = StraceImporter.Import("100 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000000000\r\u001b[31m\n200 \u001b[2Jfoo\n");
        var messages = result.Errors.Select(e => e.ToString()).ToArray();
        // Line 1 carries the bare CR and ESC inside it; line 2's error is on line 2.
        Assert.All(messages, AssertInert);
        Assert.Contains(messages, m => m.StartsWith("2:5: ", StringComparison.Ordinal) && m.Contains(@"\x1b[2Jfoo", StringComparison.Ordinal));
    }

    [Fact]
    public void Yaml_positions_count_lf_only_and_values_are_escaped()
    {
        // YamlDotNet breaks lines at CR and U+2028 too (here inside a quoted scalar, where they fold to
        // spaces); an editor does not: the error is on line 3, column 8, where the editor shows the value
        // (YamlDotNet's own mark says line 5).
        string text = "usb:\n  serial: \"a\r    b\u2028    c\"\n  vid: \"\\e[31mred\"\n";
        var result = HwConfigLoader.Parse(text, "hw.yaml");
        HwConfigError error = Assert.Single(result.Errors);
        Assert.Equal((3, 8), (error.Line, error.Column));
        Assert.Contains(@"\x1b[31mred", error.Message, StringComparison.Ordinal);
        AssertInert(error.ToString());
    }

    [Fact]
    public void Json_of_an_escaped_message_is_inert_too()
    {
        var parsed = TraceParser.Parse("t", "trace 1\nprocess \u001b[2J\u009b\n");
        string json = JsonSerializer.Serialize(new { message = Assert.Single(parsed.Errors).ToString() });
        AssertInert(json);
        // Round trip: the JSON string is the text message, escapes and all.
        Assert.Equal(parsed.Errors[0].ToString(), JsonDocument.Parse(json).RootElement.GetProperty("message").GetString());
        Assert.Contains(@"\\x1b[2J\\u009b", json, StringComparison.Ordinal);
        _ = Encoding.UTF8;
    }
}
