using Emulator.Core.Mm;

namespace Emulator.Core.Trace.Strace;

/// <summary>The argument reader of <see cref="StraceLineParser"/>: one method per argument kind,
/// each reporting its own error (position and message) and returning false.</summary>
public static partial class StraceLineParser
{
    /// <summary>Reads the arguments of one call, left to right.</summary>
    private ref struct Cursor(ReadOnlySpan<char> text)
    {
        private readonly ReadOnlySpan<char> _text = text;
        public int Pos;

        private void Blanks() => Pos = SkipBlanks(_text, Pos);

        /// <summary>The argument starting here: up to the next <c>,</c> or <c>)</c> outside a <c>/* */</c> comment or <c>&lt;&gt;</c>.</summary>
        private ReadOnlySpan<char> Arg(out int start)
        {
            Blanks();
            start = Pos;
            int depth = 0;
            while (Pos < _text.Length)
            {
                char ch = _text[Pos];
                if (ch == '/' && Pos + 1 < _text.Length && _text[Pos + 1] == '*')
                {
                    int close = _text[Pos..].IndexOf("*/");
                    Pos = close < 0 ? _text.Length : Pos + close + 2;
                    continue;
                }
                if (ch == '<' && !(Pos + 1 < _text.Length && _text[Pos + 1] == '<'))
                {
                    depth++;
                }
                else if (ch == '>' && depth > 0)
                {
                    depth--;
                }
                else if (depth == 0 && ch is ',' or ')')
                {
                    break;
                }
                else if (ch == '<')
                {
                    Pos++; // "<<" in 21<<MAP_HUGE_SHIFT
                }
                Pos++;
            }
            return _text[start..Pos].TrimEnd();
        }

        public bool Comma(ref StraceParseError error)
        {
            Blanks();
            if (Pos < _text.Length && _text[Pos] == ',')
            {
                Pos++;
                return true;
            }
            error = new StraceParseError(Pos, Pos < _text.Length && _text[Pos] == ')' ? "missing argument" : "expected ','");
            return false;
        }

        public bool TryComma()
        {
            Blanks();
            if (Pos < _text.Length && _text[Pos] == ',')
            {
                Pos++;
                return true;
            }
            return false;
        }

        public bool Close(ref StraceParseError error)
        {
            Blanks();
            if (Pos < _text.Length && _text[Pos] == ')')
            {
                Pos++;
                return true;
            }
            error = new StraceParseError(Pos, Pos < _text.Length ? $"expected ')', got '{Word(_text, Pos)}'" : "missing ')'");
            return false;
        }

        public void SkipToClose()
        {
            while (Pos < _text.Length && _text[Pos] != ')')
            {
                Pos++;
            }
        }

        public bool Number(out ulong value, string what, ref StraceParseError error)
        {
            var arg = Arg(out int start);
            if (TryNumber(arg, out value))
            {
                return true;
            }
            error = new StraceParseError(start, arg.IsEmpty ? $"missing {what}" : $"invalid {what} '{arg}'");
            return false;
        }

        public bool Address(out ulong value, string what, ref StraceParseError error)
        {
            var arg = Arg(out int start);
            if (arg.SequenceEqual("NULL"))
            {
                value = 0;
                return true;
            }
            if (TryNumber(arg, out value))
            {
                return true;
            }
            error = new StraceParseError(start, arg.IsEmpty ? $"missing {what}" : $"invalid {what} '{arg}'");
            return false;
        }

        /// <summary>A file descriptor: <c>-1</c>, <c>3</c>, or <c>3&lt;/path&gt;</c> under <c>-y</c>.</summary>
        public bool Fd(out long fd, ref StraceParseError error)
        {
            var arg = Arg(out int start);
            int lt = arg.IndexOf('<');
            var digits = lt >= 0 ? arg[..lt] : arg;
            bool negative = digits.StartsWith('-');
            if (TryNumber(negative ? digits[1..] : digits, out ulong v) && v <= int.MaxValue)
            {
                fd = negative ? -(long)v : (long)v;
                return true;
            }
            fd = 0;
            error = new StraceParseError(start, arg.IsEmpty ? "missing fd" : $"invalid fd '{arg}'");
            return false;
        }

        public bool Prot(out Protection prot, out bool other, ref StraceParseError error)
        {
            prot = Protection.None;
            other = false;
            var arg = Arg(out int start);
            if (arg.IsEmpty)
            {
                error = new StraceParseError(start, "missing protection");
                return false;
            }
            foreach (var range in arg.Split('|'))
            {
                var part = StripComment(arg[range]);
                switch (part)
                {
                    case "PROT_NONE": break;
                    case "PROT_READ": prot |= Protection.Read; break;
                    case "PROT_WRITE": prot |= Protection.Write; break;
                    case "PROT_EXEC": prot |= Protection.Exec; break;
                    default:
                        if (part.StartsWith("PROT_", StringComparison.Ordinal))
                        {
                            other = true;
                        }
                        else if (TryNumber(part, out ulong bits))
                        {
                            prot |= (Protection)(bits & 7);
                            other |= (bits & ~7UL) != 0;
                        }
                        else
                        {
                            error = new StraceParseError(start + range.Start.GetOffset(arg.Length), $"invalid protection '{arg[range]}'");
                            return false;
                        }
                        break;
                }
            }
            return true;
        }

        public bool MapFlags(out MapFlags flags, ref StraceParseError error)
        {
            flags = Mm.MapFlags.None;
            var arg = Arg(out int start);
            if (arg.IsEmpty)
            {
                error = new StraceParseError(start, "missing mmap flags");
                return false;
            }
            foreach (var range in arg.Split('|'))
            {
                var part = StripComment(arg[range]);
                flags |= part switch
                {
                    "MAP_SHARED" => Mm.MapFlags.Shared,
                    "MAP_PRIVATE" => Mm.MapFlags.Private,
                    "MAP_SHARED_VALIDATE" => Mm.MapFlags.SharedValidate,
                    "MAP_FIXED" => Mm.MapFlags.Fixed,
                    "MAP_ANONYMOUS" or "MAP_ANON" => Mm.MapFlags.Anonymous,
                    "MAP_GROWSDOWN" => Mm.MapFlags.GrowsDown,
                    "MAP_DENYWRITE" => Mm.MapFlags.DenyWrite,
                    "MAP_EXECUTABLE" => Mm.MapFlags.Executable,
                    "MAP_LOCKED" => Mm.MapFlags.Locked,
                    "MAP_NORESERVE" => Mm.MapFlags.NoReserve,
                    "MAP_POPULATE" => Mm.MapFlags.Populate,
                    "MAP_NONBLOCK" => Mm.MapFlags.NonBlock,
                    "MAP_STACK" => Mm.MapFlags.Stack,
                    "MAP_HUGETLB" => Mm.MapFlags.HugeTlb,
                    "MAP_FIXED_NOREPLACE" => Mm.MapFlags.FixedNoReplace,
                    _ => Other(part),
                };
                if (!part.StartsWith("MAP_", StringComparison.Ordinal) && !part.Contains("<<", StringComparison.Ordinal) && !TryNumber(part, out _))
                {
                    error = new StraceParseError(start + range.Start.GetOffset(arg.Length), $"invalid mmap flags '{arg[range]}'");
                    return false;
                }
            }
            return true;

            static MapFlags Other(ReadOnlySpan<char> part) =>
                TryNumber(part, out ulong v) ? (Mm.MapFlags)(uint)(v & 0x1f_ff33) : Mm.MapFlags.None;
        }

        public bool MremapFlags(out MremapFlags flags, ref StraceParseError error)
        {
            flags = Mm.MremapFlags.None;
            var arg = Arg(out int start);
            if (arg.IsEmpty)
            {
                error = new StraceParseError(start, "missing mremap flags");
                return false;
            }
            foreach (var range in arg.Split('|'))
            {
                var part = StripComment(arg[range]);
                switch (part)
                {
                    case "MREMAP_MAYMOVE": flags |= Mm.MremapFlags.MayMove; break;
                    case "MREMAP_FIXED": flags |= Mm.MremapFlags.Fixed; break;
                    case "MREMAP_DONTUNMAP": flags |= Mm.MremapFlags.DontUnmap; break;
                    default:
                        if (TryNumber(part, out ulong v))
                        {
                            flags |= (MremapFlags)(uint)(v & 7);
                        }
                        else if (!part.StartsWith("MREMAP_", StringComparison.Ordinal))
                        {
                            error = new StraceParseError(start + range.Start.GetOffset(arg.Length), $"invalid mremap flags '{arg[range]}'");
                            return false;
                        }
                        break;
                }
            }
            return true;
        }

        public bool Advice(out Advice advice, ref StraceParseError error)
        {
            var arg = StripComment(Arg(out int start));
            advice = arg switch
            {
                "MADV_NORMAL" => Mm.Advice.Normal,
                "MADV_RANDOM" => Mm.Advice.Random,
                "MADV_SEQUENTIAL" => Mm.Advice.Sequential,
                "MADV_WILLNEED" => Mm.Advice.WillNeed,
                "MADV_DONTNEED" => Mm.Advice.DontNeed,
                "MADV_FREE" => Mm.Advice.Free,
                "MADV_REMOVE" => Mm.Advice.Remove,
                "MADV_DONTFORK" => Mm.Advice.DontFork,
                "MADV_DOFORK" => Mm.Advice.DoFork,
                "MADV_MERGEABLE" => Mm.Advice.Mergeable,
                "MADV_UNMERGEABLE" => Mm.Advice.Unmergeable,
                "MADV_HUGEPAGE" => Mm.Advice.HugePage,
                "MADV_NOHUGEPAGE" => Mm.Advice.NoHugePage,
                "MADV_DONTDUMP" => Mm.Advice.DontDump,
                "MADV_DODUMP" => Mm.Advice.DoDump,
                "MADV_COLD" => Mm.Advice.Cold,
                "MADV_PAGEOUT" => Mm.Advice.PageOut,
                _ => (Advice)(-1),
            };
            if ((int)advice != -1)
            {
                return true;
            }
            if (TryNumber(arg, out ulong v) && v <= int.MaxValue)
            {
                advice = (Advice)(int)v;
                return true;
            }
            if (arg.StartsWith("MADV_", StringComparison.Ordinal))
            {
                return true; // a name newer than this model: kept as -1, dropped by the converter
            }
            error = new StraceParseError(start, arg.IsEmpty ? "missing advice" : $"invalid advice '{arg}'");
            return false;
        }

        /// <summary><c>= RESULT</c> after the closing parenthesis.</summary>
        public bool Result(ref StraceCall call, ref StraceParseError error)
        {
            Blanks();
            if (Pos >= _text.Length || _text[Pos] != '=')
            {
                error = new StraceParseError(Pos, "missing '= RESULT'");
                return false;
            }
            Pos++;
            Blanks();
            int start = Pos;
            while (Pos < _text.Length && _text[Pos] is not (' ' or '\t'))
            {
                Pos++;
            }
            var value = _text[start..Pos];
            if (value.SequenceEqual("?"))
            {
                call.ReturnKind = StraceReturnKind.Unknown;
                return true;
            }
            if (value.SequenceEqual("-1"))
            {
                Blanks();
                int nameStart = Pos;
                while (Pos < _text.Length && (char.IsAsciiLetterUpper(_text[Pos]) || char.IsAsciiDigit(_text[Pos])))
                {
                    Pos++;
                }
                var name = _text[nameStart..Pos];
                if (name.IsEmpty || name[0] != 'E')
                {
                    // "= -1" without an errno is a plain value (a call returning -1 successfully).
                    call.ReturnKind = StraceReturnKind.Value;
                    call.ReturnValue = ulong.MaxValue;
                    return true;
                }
                call.ReturnKind = TraceNames.TryParseErrno(name, out call.Error) ? StraceReturnKind.Error : StraceReturnKind.OtherError;
                return true;
            }
            if (TryNumber(value, out call.ReturnValue))
            {
                call.ReturnKind = StraceReturnKind.Value;
                return true;
            }
            error = new StraceParseError(start, value.IsEmpty ? "missing result after '='" : $"invalid result '{value}'");
            return false;
        }

        private static ReadOnlySpan<char> StripComment(ReadOnlySpan<char> part)
        {
            int c = part.IndexOf("/*");
            return (c >= 0 ? part[..c] : part).Trim();
        }
    }
}
