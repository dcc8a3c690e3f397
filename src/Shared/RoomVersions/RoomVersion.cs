namespace Cluster.Shared.RoomVersions;

/// <summary>How event IDs are formed and how events reference each other.</summary>
public enum EventFormat
{
    /// <summary>v1, v2: server-generated <c>$local:server</c> IDs carried in the event; references are <c>[id, {hashes}]</c> pairs.</summary>
    V1,
    /// <summary>v3: IDs are <c>$</c> + standard unpadded Base64 of the reference hash; references are plain ID strings.</summary>
    V2,
    /// <summary>v4 and later: as V2 but with URL-safe Base64.</summary>
    V3,
}

public enum StateResolutionAlgorithm
{
    V1,
    V2,
    /// <summary>Room version 12: v2 with iterative checks from an empty state and the conflicted state subgraph.</summary>
    V2_1,
}

/// <summary>
/// The rules that differ between room versions, as named flags so code asks
/// "does this version do X" instead of comparing version strings.
/// </summary>
public sealed record RoomVersion
{
    public required string Id { get; init; }
    public required bool Stable { get; init; }
    public required EventFormat EventFormat { get; init; }
    public required StateResolutionAlgorithm StateResolution { get; init; }
    /// <summary>v5+: signing keys must be valid at the event's origin_server_ts.</summary>
    public required bool EnforceKeyValidity { get; init; }
    /// <summary>v1-v5: m.room.aliases has its own auth rule and survives redaction.</summary>
    public required bool SpecialCasedAliasesAuth { get; init; }
    /// <summary>v6+: events must be strictly canonical JSON (integers only, within [-(2^53)+1, 2^53-1]).</summary>
    public required bool StrictCanonicalJson { get; init; }
    /// <summary>v6+: the "notifications" key of power levels is protected like the others.</summary>
    public required bool LimitNotificationsPowerLevels { get; init; }
    /// <summary>v7+: the knock join rule and knock membership.</summary>
    public required bool KnockJoinRule { get; init; }
    /// <summary>v8+: the restricted join rule.</summary>
    public required bool RestrictedJoinRule { get; init; }
    /// <summary>v9+: join_authorised_via_users_server survives redaction.</summary>
    public required bool RestrictedJoinRuleFix { get; init; }
    /// <summary>v10+: the knock_restricted join rule.</summary>
    public required bool KnockRestrictedJoinRule { get; init; }
    /// <summary>v10+: power level values must be JSON integers, not strings.</summary>
    public required bool EnforceIntPowerLevels { get; init; }
    /// <summary>v11+: the creator is the create event's sender; content.creator is no longer used.</summary>
    public required bool ImplicitRoomCreator { get; init; }
    /// <summary>v11+: the redaction algorithm changes of MSC2176/MSC3821/MSC3989.</summary>
    public required bool UpdatedRedactionRules { get; init; }
    /// <summary>v12+: room ID is derived from the create event's reference hash, creators have unlimited power,
    /// the create event is never listed in auth_events.</summary>
    public required bool RoomIdFromCreateEvent { get; init; }

    public bool ServerGeneratedEventIds => EventFormat == EventFormat.V1;

    public override string ToString() => Id;
}

/// <summary>The room versions this server knows, by identifier.</summary>
public static class RoomVersions
{
    private static RoomVersion Base(string id) => new()
    {
        Id = id,
        Stable = true,
        EventFormat = EventFormat.V1,
        StateResolution = StateResolutionAlgorithm.V1,
        EnforceKeyValidity = false,
        SpecialCasedAliasesAuth = true,
        StrictCanonicalJson = false,
        LimitNotificationsPowerLevels = false,
        KnockJoinRule = false,
        RestrictedJoinRule = false,
        RestrictedJoinRuleFix = false,
        KnockRestrictedJoinRule = false,
        EnforceIntPowerLevels = false,
        ImplicitRoomCreator = false,
        UpdatedRedactionRules = false,
        RoomIdFromCreateEvent = false,
    };

    public static readonly RoomVersion V1 = Base("1");
    public static readonly RoomVersion V2 = V1 with { Id = "2", StateResolution = StateResolutionAlgorithm.V2 };
    public static readonly RoomVersion V3 = V2 with { Id = "3", EventFormat = EventFormat.V2 };
    public static readonly RoomVersion V4 = V3 with { Id = "4", EventFormat = EventFormat.V3 };
    public static readonly RoomVersion V5 = V4 with { Id = "5", EnforceKeyValidity = true };
    public static readonly RoomVersion V6 = V5 with
    {
        Id = "6", SpecialCasedAliasesAuth = false, StrictCanonicalJson = true, LimitNotificationsPowerLevels = true,
    };
    public static readonly RoomVersion V7 = V6 with { Id = "7", KnockJoinRule = true };
    public static readonly RoomVersion V8 = V7 with { Id = "8", RestrictedJoinRule = true };
    public static readonly RoomVersion V9 = V8 with { Id = "9", RestrictedJoinRuleFix = true };
    public static readonly RoomVersion V10 = V9 with { Id = "10", KnockRestrictedJoinRule = true, EnforceIntPowerLevels = true };
    public static readonly RoomVersion V11 = V10 with { Id = "11", ImplicitRoomCreator = true, UpdatedRedactionRules = true };
    public static readonly RoomVersion V12 = V11 with
    {
        Id = "12", StateResolution = StateResolutionAlgorithm.V2_1, RoomIdFromCreateEvent = true,
    };

    public static IReadOnlyList<RoomVersion> All { get; } = [V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11, V12];

    /// <summary>The version new rooms get when the client does not ask for one (the spec recommends 12).</summary>
    public static RoomVersion Default => V12;

    private static readonly Dictionary<string, RoomVersion> ById = All.ToDictionary(v => v.Id, StringComparer.Ordinal);

    public static bool TryGet(string? id, out RoomVersion version)
    {
        if (id is not null && ById.TryGetValue(id, out var v)) { version = v; return true; }
        version = null!;
        return false;
    }
}
