namespace Emulator.Core.Text;

/// <summary>Turns a character offset in a text into the line and column an editor shows: lines end at
/// LF only. Parsers that count lines their own way (YAML breaks lines at CR, U+0085 and U+2028 too)
/// report through this, so <c>file:line:col</c> points where the user looks.</summary>
public sealed class LinePositions
{
    /// <summary>Offsets at which lines 2, 3, … start (each just after an LF).</summary>
    private readonly int[] _starts;

    public LinePositions(ReadOnlySpan<char> text)
    {
        int count = text.Count('\n');
        _starts = new int[count];
        int n = 0;
        for (int i = text.IndexOf('\n'); i >= 0 && n < count; )
        {
            _starts[n++] = i + 1;
            int next = text[(i + 1)..].IndexOf('\n');
            i = next < 0 ? -1 : i + 1 + next;
        }
    }

    /// <summary>The 1-based line and column of <paramref name="offset"/> (clamped to the text).</summary>
    public (int Line, int Column) Locate(long offset)
    {
        int index = (int)Math.Clamp(offset, 0, int.MaxValue);
        int found = Array.BinarySearch(_starts, index);
        // found ≥ 0: the offset starts line found + 2; else ~found lines start at or before it.
        int lineIndex = found >= 0 ? found + 1 : ~found;
        int lineStart = lineIndex == 0 ? 0 : _starts[lineIndex - 1];
        return (lineIndex + 1, index - lineStart + 1);
    }
}
