using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Json;

/// <summary>Limits and rules for <see cref="StrictJson"/>.</summary>
public sealed record StrictJsonOptions
{
    /// <summary>
    /// Default nesting limit. Matrix sets none; 128 is what serde_json (Conduit, ruma) allows,
    /// far past any real event, and low enough for recursive code over the result to be safe.
    /// </summary>
    public const int DefaultMaxDepth = 128;

    /// <summary>Highest nesting limit a caller may configure; code walking the tree recurses.</summary>
    public const int HighestMaxDepth = 1000;

    /// <summary>Relaxed numbers: what events of room versions 1-5 may carry.</summary>
    public static StrictJsonOptions Default { get; } = new();

    /// <summary>The spec's canonical JSON number rules, enforced for room versions 6 and later.</summary>
    public static StrictJsonOptions StrictCanonical { get; } = new() { StrictCanonicalNumbers = true };

    /// <summary>The options for events of <paramref name="roomVersion"/>.</summary>
    public static StrictJsonOptions For(RoomVersion roomVersion) =>
        roomVersion.StrictCanonicalJson ? StrictCanonical : Default;

    /// <summary>Objects and arrays may nest this deep; the top-level container is depth 1.</summary>
    public int MaxDepth
    {
        get;
        init => field = value is >= 1 and <= HighestMaxDepth
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxDepth), value, $"Must be between 1 and {HighestMaxDepth}.");
    } = DefaultMaxDepth;

    /// <summary>Longer input is refused before it is read. No limit unless set: callers bound request bodies themselves.</summary>
    public int MaxInputBytes
    {
        get;
        init => field = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxInputBytes), value, "Must not be negative.");
    } = int.MaxValue;

    /// <summary>
    /// Room versions 6+: every number must be an integer in [-(2^53)+1, 2^53-1] written without
    /// fraction or exponent, so <c>1.0</c>, <c>1e3</c> and <c>9007199254740992</c> are refused.
    /// <c>-0</c> is accepted: it is the integer 0 (which canonical JSON then writes as <c>0</c>),
    /// and Synapse accepts it too, so refusing it would split rooms.
    /// </summary>
    public bool StrictCanonicalNumbers { get; init; }
}
