using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Workers.ClientReader.Federation;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// Another server's room directory, read for a local client (<c>/publicRooms?server=...</c>) from
/// that server's <c>/_matrix/federation/v1/publicRooms</c>: the GET form with <c>limit</c> and
/// <c>since</c>, the POST form with the client's filter. The answer is passed on rebuilt from the
/// fields the spec defines, each of its type: a room without a room ID or a well-typed member
/// count is left out, unknown fields are dropped, and an answer without a <c>chunk</c> array is a
/// <c>502</c>, so nothing the other server invents reaches the client.
/// </summary>
public sealed class RemotePublicRooms(FederationClient federation, ILogger<RemotePublicRooms> logger)
{
    private const string Path = "/_matrix/federation/v1/publicRooms";

    /// <summary>Most rooms passed on from one answer, whatever the other server sends.</summary>
    public const int MaxRooms = 500;

    private static readonly string[] StringFields = ["name", "topic", "canonical_alias", "avatar_url", "join_rule", "room_type"];
    private static readonly string[] BooleanFields = ["world_readable", "guest_can_join"];

    public Task<JsonObject> GetAsync(ServerName server, int limit, string? since, CancellationToken cancellationToken)
    {
        var query = $"{Path}?limit={limit.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(since))
            query += $"&since={Uri.EscapeDataString(since)}";
        return AskAsync(server, HttpMethod.Get, query, null, cancellationToken);
    }

    public Task<JsonObject> PostAsync(ServerName server, JsonObject body, CancellationToken cancellationToken) =>
        AskAsync(server, HttpMethod.Post, Path, body, cancellationToken);

    private async Task<JsonObject> AskAsync(ServerName server, HttpMethod method, string pathAndQuery, JsonObject? body, CancellationToken cancellationToken)
    {
        const string what = "the room directory";
        FederationResponse response;
        try
        {
            response = await federation.SendAsync(server, method, pathAndQuery, body, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Reading the room directory of {Server} failed: {Reason}", server, e.Message);
            throw RemoteAnswers.Unreachable(server, what);
        }
        if (!response.IsSuccess)
        {
            logger.LogInformation("Reading the room directory of {Server} failed: it answered {Status}", server, response.Status);
            throw RemoteAnswers.Refused(server, what, response);
        }
        if (response.Body is not JsonObject answer || answer["chunk"] is not JsonArray chunk)
            throw RemoteAnswers.Malformed(server, what);

        var rooms = new JsonArray();
        foreach (var room in chunk.OfType<JsonObject>().Select(Room).OfType<JsonObject>().Take(MaxRooms))
            rooms.Add(room);
        var result = new JsonObject { ["chunk"] = rooms };
        if (Text(answer, "next_batch") is { } next) result["next_batch"] = next;
        if (Text(answer, "prev_batch") is { } prev) result["prev_batch"] = prev;
        if (Count(answer, "total_room_count_estimate") is { } total) result["total_room_count_estimate"] = total;
        return result;
    }

    private static JsonObject? Room(JsonObject room)
    {
        if (Text(room, "room_id") is not { } roomId || !RoomId.TryParse(roomId, out _) || Count(room, "num_joined_members") is not { } members)
            return null;
        var entry = new JsonObject { ["room_id"] = roomId, ["num_joined_members"] = members };
        foreach (var field in BooleanFields)
            entry[field] = room[field] is JsonValue v && v.TryGetValue<bool>(out var flag) && flag;
        foreach (var field in StringFields)
            if (Text(room, field) is { } text)
                entry[field] = text;
        return entry;
    }

    private static string? Text(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length <= 4096 ? text : null;

    private static long? Count(JsonObject o, string name) =>
        o[name] is JsonValue v && v.TryGetValue<long>(out var n) && n >= 0 ? n : null;
}
