using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Directory;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// <c>GET</c> and <c>POST /publicRooms</c>: this server's room directory, largest rooms first,
/// filtered by a search term, paged with opaque offset tokens.
/// </summary>
internal static class PublicRoomsEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 500;
    private const int MaxSearchTermLength = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        // The spec lets servers require authentication for the GET form; ours does not.
        app.MapClientGet("publicRooms", async (HttpContext context, RoomDirectoryStore store, IOptions<ClusterOptions> options) =>
        {
            var query = context.Request.Query;
            CheckServer(query["server"], options.Value.ServerName);
            var limit = ParseLimit(query["limit"].ToString());
            return await ListAsync(store, limit, query["since"].ToString(), null, context.RequestAborted);
        });

        app.MapClientPost("publicRooms", async (HttpContext context, RoomDirectoryStore store, IOptions<ClusterOptions> options) =>
        {
            CheckServer(context.Request.Query["server"], options.Value.ServerName);
            var body = await RequestBody.ReadObjectAsync(context, emptyIsEmptyObject: true);
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
            return await ListAsync(store, limit, since, term, context.RequestAborted);
        }).RequireAccessToken();
    }

    // Federation is not built yet: another server's directory cannot be fetched.
    private static void CheckServer(string? server, string ownServerName)
    {
        if (!string.IsNullOrEmpty(server) && server != ownServerName)
            throw MatrixException.NotFound($"Reading the room directory of {server} needs federation, which this server does not do yet");
    }

    private static int ParseLimit(string? text) =>
        string.IsNullOrEmpty(text) ? DefaultLimit
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, MaxLimit)
        : throw MatrixException.InvalidParam("limit must be a non-negative integer");

    private static async Task<IResult> ListAsync(RoomDirectoryStore store, int limit, string? since, string? term, CancellationToken ct)
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
