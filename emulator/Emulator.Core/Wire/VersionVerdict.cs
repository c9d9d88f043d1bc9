namespace Emulator.Core.Wire;

/// <summary>The result of <see cref="ProtocolVersion.Check"/>: a refusal is a value, not an exception,
/// because a board with other firmware is the peer's state, not our bug.</summary>
public readonly struct VersionVerdict
{
    private VersionVerdict(bool accepted, ProtocolVersion negotiated, string? refusal)
    {
        IsAccepted = accepted;
        Negotiated = negotiated;
        Refusal = refusal;
    }

    public bool IsAccepted { get; }

    /// <summary>The version both sides use; meaningful only when <see cref="IsAccepted"/>.</summary>
    public ProtocolVersion Negotiated { get; }

    /// <summary>Why the peer was refused, e.g. "refused: board speaks protocol 2.0, emulator speaks 1.0".</summary>
    public string? Refusal { get; }

    public static VersionVerdict Accept(ProtocolVersion negotiated) => new(true, negotiated, null);

    public static VersionVerdict Refuse(string message) => new(false, default, message);

    public override string ToString() => IsAccepted ? $"accepted {Negotiated}" : Refusal!;
}
