using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// One joined or left room of a /sync response. Its frame (timeline, state, ephemeral, account
/// data, counts, summary) is written straight to the response: as a node tree it cost a dozen
/// objects per room in every member's sync of every message.
/// </summary>
public sealed record SyncRoom(
    IReadOnlyList<JsonNode> Timeline,
    bool Limited,
    string PrevBatch,
    IReadOnlyList<JsonNode> State,
    // Null for a left room, which has no ephemeral section.
    IReadOnlyList<JsonNode>? Ephemeral,
    IReadOnlyList<JsonNode> AccountData,
    JsonNode? UnreadNotifications = null,
    JsonNode? Summary = null)
{
    public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("timeline");
        SyncJson.WriteEvents(writer, Timeline, options);
        writer.WriteBoolean("limited", Limited);
        writer.WriteString("prev_batch", PrevBatch);
        writer.WriteEndObject();
        SyncJson.WriteSection(writer, "state", State, options);
        if (Ephemeral is not null)
            SyncJson.WriteSection(writer, "ephemeral", Ephemeral, options);
        SyncJson.WriteSection(writer, "account_data", AccountData, options);
        if (UnreadNotifications is not null)
        {
            writer.WritePropertyName("unread_notifications");
            UnreadNotifications.WriteTo(writer, options);
        }
        if (Summary is not null)
        {
            writer.WritePropertyName("summary");
            Summary.WriteTo(writer, options);
        }
        writer.WriteEndObject();
    }
}

/// <summary>The pieces of JSON every /sync response repeats.</summary>
internal static class SyncJson
{
    /// <summary><c>"events": [...]</c></summary>
    public static void WriteEvents(Utf8JsonWriter writer, IReadOnlyList<JsonNode> events, JsonSerializerOptions options)
    {
        writer.WriteStartArray("events");
        foreach (var e in events)
            e.WriteTo(writer, options);
        writer.WriteEndArray();
    }

    /// <summary><c>"name": {"events": [...]}</c></summary>
    public static void WriteSection(Utf8JsonWriter writer, string name, IReadOnlyList<JsonNode> events, JsonSerializerOptions options)
    {
        writer.WriteStartObject(name);
        WriteEvents(writer, events, options);
        writer.WriteEndObject();
    }
}
