using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;

namespace Cluster.Workers.EventCreator.Creation;

/// <summary>The createRoom presets (spec table in POST /createRoom).</summary>
public enum RoomPreset
{
    PrivateChat,
    TrustedPrivateChat,
    PublicChat,
}

/// <summary>A state event listed in createRoom's <c>initial_state</c>.</summary>
public sealed record InitialStateEvent(string Type, string StateKey, JsonObject Content);

/// <summary>POST /createRoom's body, checked field by field: a field of the wrong JSON type is 400 M_BAD_JSON, a bad value 400 M_INVALID_PARAM.</summary>
public sealed record CreateRoomRequest(
    bool IsPublic,
    RoomPreset Preset,
    string? AliasLocalpart,
    string? Name,
    string? Topic,
    IReadOnlyList<UserId> Invites,
    RoomVersion Version,
    JsonObject CreationContent,
    IReadOnlyList<InitialStateEvent> InitialState,
    JsonObject? PowerLevelOverride,
    bool IsDirect)
{
    public static CreateRoomRequest Parse(JsonObject body)
    {
        var visibility = body.OptionalString("visibility") ?? "private";
        var isPublic = visibility switch
        {
            "public" => true,
            "private" => false,
            _ => throw MatrixException.InvalidParam("'visibility' must be 'public' or 'private'."),
        };
        var preset = body.OptionalString("preset") switch
        {
            null => isPublic ? RoomPreset.PublicChat : RoomPreset.PrivateChat,
            "private_chat" => RoomPreset.PrivateChat,
            "trusted_private_chat" => RoomPreset.TrustedPrivateChat,
            "public_chat" => RoomPreset.PublicChat,
            var other => throw MatrixException.InvalidParam($"Unknown preset '{other}'."),
        };

        var aliasLocalpart = body.OptionalString("room_alias_name");
        if (aliasLocalpart is not null && (aliasLocalpart.Length == 0 || aliasLocalpart.Contains(':') || aliasLocalpart.Any(char.IsWhiteSpace)))
            throw MatrixException.InvalidParam("'room_alias_name' must be a non-empty alias local part without ':' or white space.");

        var versionId = body.OptionalString("room_version");
        var version = RoomVersions.Default;
        if (versionId is not null && !RoomVersions.TryGet(versionId, out version))
            throw new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.UnsupportedRoomVersion,
                $"Room version '{versionId}' is not supported by this server.");

        var invites = new List<UserId>();
        foreach (var item in body.OptionalArray("invite") ?? [])
        {
            var text = item is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw MatrixException.BadJson("'invite' must list user IDs as strings.");
            var user = RequestValues.UserId(text, "user ID in 'invite'");
            if (!invites.Contains(user))
                invites.Add(user);
        }
        if (body.OptionalArray("invite_3pid") is { Count: > 0 })
            throw MatrixException.InvalidParam("Third-party invites (invite_3pid) are not supported by this server.");

        var initialState = new List<InitialStateEvent>();
        foreach (var item in body.OptionalArray("initial_state") ?? [])
        {
            if (item is not JsonObject entry)
                throw MatrixException.BadJson("'initial_state' must list objects.");
            var type = entry.RequiredString("type");
            var stateKey = entry.OptionalString("state_key") ?? "";
            var content = entry.OptionalObject("content")
                ?? throw MatrixException.BadJson("Every 'initial_state' entry needs a 'content' object.");
            RequestValues.EventField(type, "initial_state event type", allowEmpty: false);
            RequestValues.EventField(stateKey, "initial_state state key", allowEmpty: true);
            initialState.Add(new InitialStateEvent(type, stateKey, content));
        }

        return new CreateRoomRequest(
            isPublic,
            preset,
            aliasLocalpart,
            body.OptionalString("name"),
            body.OptionalString("topic"),
            invites,
            version,
            body.OptionalObject("creation_content") ?? [],
            initialState,
            body.OptionalObject("power_level_content_override"),
            body.OptionalBool("is_direct") ?? false);
    }

    /// <summary>The preset's join rule, history visibility and guest access (spec table).</summary>
    public (string JoinRule, string HistoryVisibility, string GuestAccess) PresetState => Preset switch
    {
        RoomPreset.PublicChat => (JoinRuleValues.Public, HistoryVisibilityValues.Shared, "forbidden"),
        _ => (JoinRuleValues.Invite, HistoryVisibilityValues.Shared, "can_join"),
    };
}
