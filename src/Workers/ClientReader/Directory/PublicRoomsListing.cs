using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Directory;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// This server's room directory as <c>/publicRooms</c> answers it, to local clients and to other
/// servers alike: largest rooms first, filtered by a search term, paged with opaque offset tokens.
/// </summary>
public static class PublicRoomsListing
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 500;
    private const int MaxSearchTermLength = 1000;

    /// <summary>The POST form's body: <c>limit</c>, <c>since</c> and <c>filter.generic_search_term</c> (other fields are ignored).</summary>
    public static (int Limit, string? Since, string? Term) ParseBody(JsonObject body)
    {
        var limit = body["limit"] switch
        {
            null => DefaultLimit,
            JsonValue v when v.TryGetValue<long>(out var n) && n >= 0 => (int)Math.Min(n, MaxLimit),
            _ => throw MatrixException.BadJson("limit must be a non-negative integer"),
        };
        var since = body["since"] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => throw MatrixException.BadJson("since must be a string"),
        };
        string? term = null;
        if (body["filter"] is { } filter)
        {
            if (filter is not JsonObject filterObject)
                throw MatrixException.BadJson("filter must be an object");
            term = filterObject["generic_search_term"] switch
            {
                null => null,
                JsonValue v when v.TryGetValue<string>(out var s) && s.Length <= MaxSearchTermLength => s,
                _ => throw MatrixException.BadJson($"generic_search_term must be a string of at most {MaxSearchTermLength} characters"),
            };
        }
        return (limit, since, term);
    }

    public static int ParseLimit(string? text) =>
        string.IsNullOrEmpty(text) ? DefaultLimit
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, MaxLimit)
        : throw MatrixException.InvalidParam("limit must be a non-negative integer");

    public static async Task<IResult> ListAsync(RoomDirectoryStore store, int limit, string? since, string? term, CancellationToken ct)
    {
        var offset = ParseToken(since);
        var rooms = (await store.GetPublicRoomsAsync(ct))
            .Where(r => Matches(r, term))
            .OrderByDescending(r => r.JoinedMembers).ThenBy(r => r.RoomId, StringComparer.Ordinal)
            .ToList();
        var page = rooms.Skip(offset).Take(limit).ToList();
        var response = new JsonObject
        {
            ["chunk"] = new JsonArray([.. page.Select(Describe)]),
            ["total_room_count_estimate"] = rooms.Count,
        };
        if (offset + page.Count < rooms.Count && limit > 0)
            response["next_batch"] = $"o{offset + page.Count}";
        if (offset > 0)
            response["prev_batch"] = $"o{Math.Max(0, offset - limit)}";
        return Results.Json(response);
    }

    private static int ParseToken(string? token) =>
        string.IsNullOrEmpty(token) ? 0
        : token.Length > 1 && token[0] == 'o' && int.TryParse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw MatrixException.InvalidParam("Unknown pagination token");

    private static bool Matches(PublicRoomEntry room, string? term) =>
        string.IsNullOrWhiteSpace(term)
        || (room.Name?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false)
        || (room.Topic?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false)
        || (room.CanonicalAlias?.Contains(term, StringComparison.OrdinalIgnoreCase) ?? false)
        || room.RoomId == term;

    private static JsonObject Describe(PublicRoomEntry room)
    {
        var entry = new JsonObject
        {
            ["room_id"] = room.RoomId,
            ["num_joined_members"] = room.JoinedMembers,
            ["world_readable"] = room.WorldReadable,
            ["guest_can_join"] = room.GuestCanJoin,
            ["join_rule"] = room.JoinRule ?? "invite",
        };
        if (room.Name is not null) entry["name"] = room.Name;
        if (room.Topic is not null) entry["topic"] = room.Topic;
        if (room.CanonicalAlias is not null) entry["canonical_alias"] = room.CanonicalAlias;
        if (room.AvatarUrl is not null) entry["avatar_url"] = room.AvatarUrl;
        if (room.RoomType is not null) entry["room_type"] = room.RoomType;
        return entry;
    }
}
