using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Npgsql;
using static Cluster.ClientApi.Tests.Rooms.RoomTestHelpers;

namespace Cluster.ClientApi.Tests.Messages;

/// <summary>An event's place in the room as the database holds it: the ground truth pagination is checked against.</summary>
public sealed record EventRow(string EventId, string Type, long Depth, long Stream);

public static class MessagesTestHelpers
{
    public static Task<MatrixResponse> MessagesAsync(this TestUser user, string roomId, string query) =>
        user.Client.GetAsync($"{V3}/rooms/{Path(roomId)}/messages?{query}");

    public static Task<MatrixResponse> ContextAsync(this TestUser user, string roomId, string eventId, string query = "") =>
        user.Client.GetAsync($"{V3}/rooms/{Path(roomId)}/context/{Uri.EscapeDataString(eventId)}?{query}");

    public static IReadOnlyList<string> EventIds(this JsonNode? array) =>
        [.. array!.AsArray().Select(e => e!["event_id"].Str())];

    /// <summary>
    /// Follows <c>end</c> until it is omitted, failing on a page that repeats an event or on more
    /// pages than the room could need; returns the event IDs in the order served.
    /// </summary>
    public static async Task<List<string>> WalkAllAsync(
        this TestUser user, string roomId, string dir, int limit, string? from = null, string extra = "", int maxPages = 200)
    {
        var all = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var token = from;
        for (var page = 0; page < maxPages; page++)
        {
            var query = $"dir={dir}&limit={limit}{extra}" + (token is null ? "" : $"&from={Uri.EscapeDataString(token)}");
            var body = (await user.MessagesAsync(roomId, query)).Ok();
            var ids = body["chunk"].EventIds();
            Assert.That(ids, Has.Count.LessThanOrEqualTo(limit));
            foreach (var id in ids)
            {
                Assert.That(seen.Add(id), Is.True, $"{id} was served twice");
                all.Add(id);
            }
            if (body["end"] is null)
                return all;
            token = body["end"].Str();
        }
        Assert.Fail($"Pagination did not end within {maxPages} pages.");
        return all;
    }

    /// <summary>The room's timeline events in topological order, from the database.</summary>
    public static async Task<List<EventRow>> TimelineAsync(this Homeserver server, string roomId)
    {
        await using var connection = new NpgsqlConnection(server.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT event_id, type, topological_ordering, stream_ordering FROM events " +
            "WHERE room_id = $1 AND NOT outlier AND rejection_reason IS NULL AND NOT soft_failed " +
            "ORDER BY topological_ordering, stream_ordering", connection);
        command.Parameters.AddWithValue(roomId);
        var rows = new List<EventRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new EventRow(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3)));
        return rows;
    }

    public static async Task<EventRow> EventRowAsync(this Homeserver server, string roomId, string eventId) =>
        (await server.TimelineAsync(roomId)).Single(r => r.EventId == eventId);

    /// <summary>/sync's prev_batch for a timeline starting at <paramref name="first"/> (the convention the two endpoints share).</summary>
    public static string PrevBatchFor(EventRow first) => $"t{first.Depth}-{first.Stream - 1}";
}
