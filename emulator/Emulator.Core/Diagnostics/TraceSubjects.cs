using System.Globalization;
using System.Runtime.CompilerServices;

namespace Emulator.Core.Diagnostics;

/// <summary>Stable, readable names for the objects events are about: <c>mm1</c> (an address space by
/// its id), <c>SvaContext#1</c> (a notifier subscriber: its ops type, numbered in order of appearance).</summary>
public sealed class TraceSubjects
{
    private readonly ConditionalWeakTable<object, string> _names = [];
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>The name of <paramref name="subject"/>, or null for none.</summary>
    public string? Name(object? subject)
    {
        if (subject is null)
        {
            return null;
        }
        if (_names.TryGetValue(subject, out string? name))
        {
            return name;
        }
        name = subject switch
        {
            Mm.AddressSpace mm => string.Create(CultureInfo.InvariantCulture, $"mm{mm.Id}"),
            Notifiers.MmuNotifier n => Numbered(TypeName(n.Ops.GetType())),
            _ => Numbered(subject.GetType().Name),
        };
        _names.Add(subject, name);
        return name;
    }

    /// <summary>"SvaContext.Ops" for a nested type: the outer name says whose subscriber it is.</summary>
    private static string TypeName(Type type) => type.DeclaringType is { } outer ? outer.Name + "." + type.Name : type.Name;

    private string Numbered(string type)
    {
        _counts[type] = _counts.TryGetValue(type, out int n) ? n + 1 : 1;
        return string.Create(CultureInfo.InvariantCulture, $"{type}#{_counts[type]}");
    }
}
