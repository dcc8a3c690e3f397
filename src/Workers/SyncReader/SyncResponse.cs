using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Replication.Tokens;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.SyncReader;

/// <summary>
/// A /sync answer: its rooms and user-wide sections, its next_batch, whether it holds anything
/// for the client, and the wake-up keys of the user as of this answer (for a long-poll that waits
/// after it).
/// </summary>
public sealed record SyncResponse(
    SyncToken NextBatch,
    IReadOnlyList<KeyValuePair<string, SyncRoom>> Join,
    IReadOnlyList<KeyValuePair<string, JsonNode>> Invite,
    IReadOnlyList<KeyValuePair<string, SyncRoom>> Leave,
    IReadOnlyList<KeyValuePair<string, JsonNode>> Knock,
    IReadOnlyList<JsonNode> AccountData,
    IReadOnlyList<JsonNode> ToDevice,
    IReadOnlyCollection<string> WakeKeys)
{
    public bool IsEmpty => Join.Count == 0 && Invite.Count == 0 && Leave.Count == 0 && Knock.Count == 0
        && AccountData.Count == 0 && ToDevice.Count == 0;

    /// <summary>The response as the endpoint's result: its JSON written straight to the body.</summary>
    public IResult ToResult() => new Result(this);

    public void WriteTo(Utf8JsonWriter writer, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("next_batch", NextBatch.ToString());
        writer.WriteStartObject("rooms");
        WriteRooms(writer, "join", Join, static (room, w, o) => room.WriteTo(w, o), options);
        WriteRooms(writer, "invite", Invite, static (room, w, o) => room.WriteTo(w, o), options);
        WriteRooms(writer, "leave", Leave, static (room, w, o) => room.WriteTo(w, o), options);
        WriteRooms(writer, "knock", Knock, static (room, w, o) => room.WriteTo(w, o), options);
        writer.WriteEndObject();
        SyncJson.WriteSection(writer, "account_data", AccountData, options);
        SyncJson.WriteSection(writer, "presence", [], options);
        SyncJson.WriteSection(writer, "to_device", ToDevice, options);
        writer.WriteStartObject("device_lists");
        writer.WriteStartArray("changed");
        writer.WriteEndArray();
        writer.WriteStartArray("left");
        writer.WriteEndArray();
        writer.WriteEndObject();
        // End-to-end encryption keys are not built yet: the shape clients expect, with no keys.
        writer.WriteStartObject("device_one_time_keys_count");
        writer.WriteEndObject();
        writer.WriteStartArray("device_unused_fallback_key_types");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteRooms<TRoom>(
        Utf8JsonWriter writer, string section, IReadOnlyList<KeyValuePair<string, TRoom>> rooms,
        Action<TRoom, Utf8JsonWriter, JsonSerializerOptions> write, JsonSerializerOptions options)
    {
        if (rooms.Count == 0)
            return;
        writer.WriteStartObject(section);
        foreach (var (roomId, room) in rooms)
        {
            writer.WritePropertyName(roomId);
            write(room, writer, options);
        }
        writer.WriteEndObject();
    }

    // Written with the client API's JSON options (the same escaping as every other response).
    private sealed class Result(SyncResponse response) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var options = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await using (var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter, new JsonWriterOptions { Encoder = options.Encoder }))
                response.WriteTo(writer, options);
            await httpContext.Response.BodyWriter.FlushAsync(httpContext.RequestAborted);
        }
    }
}
