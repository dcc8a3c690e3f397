using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Npgsql;

namespace Cluster.Shared.Storage.Events;

/// <summary>
/// An event as the events table holds it: the canonical JSON and the columns readers use
/// without parsing it, plus the redaction that applies to it, if any.
/// </summary>
public sealed record StoredEvent(
    string EventId,
    string RoomId,
    RoomVersion RoomVersion,
    string Type,
    string? StateKey,
    string Sender,
    long OriginServerTs,
    long StreamOrdering,
    int InstanceId,
    long TopologicalOrdering,
    byte[] Json,
    bool Outlier,
    string? RejectionReason,
    bool SoftFailed,
    string? Membership,
    string? ReplacesState,
    string? RedactedBy)
{
    public bool IsState => StateKey is not null;

    /// <summary>A valid redaction of this event exists: it is served redacted.</summary>
    public bool IsRedacted => RedactedBy is not null;

    /// <summary>Accepted and part of the room's timeline: not rejected, soft-failed or an outlier.</summary>
    public bool IsInTimeline => !Outlier && RejectionReason is null && !SoftFailed;

    /// <summary>The stored JSON as a mutable tree (the bytes are canonical JSON this server wrote or verified).</summary>
    public JsonObject ParseJson() => JsonNode.Parse(Json)!.AsObject();

    public Pdu ToPdu() => Pdu.Parse(ParseJson(), RoomVersion, EventId);
}

/// <summary>The SELECT list and row reader every event query shares, so they stay in step.</summary>
internal static class StoredEventColumns
{
    /// <summary>Columns of events <c>e</c> joined with rooms <c>r</c>; the redaction is the earliest valid one.</summary>
    public const string Select =
        "e.event_id, e.room_id, r.room_version, e.type, e.state_key, e.sender, e.origin_server_ts, e.stream_ordering, " +
        "e.instance_id, e.topological_ordering, e.json, e.outlier, e.rejection_reason, e.soft_failed, e.membership, " +
        "e.replaces_state, (SELECT rd.event_id FROM redactions rd JOIN events re ON re.event_id = rd.event_id " +
        "WHERE rd.redacts = e.event_id ORDER BY re.stream_ordering LIMIT 1)";

    public const string From = "events e JOIN rooms r ON r.room_id = e.room_id";

    /// <summary>Only events a client may see in a timeline or state.</summary>
    public const string InTimeline = "NOT e.outlier AND e.rejection_reason IS NULL AND NOT e.soft_failed";

    public static StoredEvent Read(NpgsqlDataReader reader)
    {
        var versionId = reader.GetString(2);
        if (!RoomVersions.RoomVersions.TryGet(versionId, out var version))
            throw new InvalidOperationException($"Room {reader.GetString(1)} has room version '{versionId}', which this server does not know.");
        return new StoredEvent(
            EventId: reader.GetString(0),
            RoomId: reader.GetString(1),
            RoomVersion: version,
            Type: reader.GetString(3),
            StateKey: reader.IsDBNull(4) ? null : reader.GetString(4),
            Sender: reader.GetString(5),
            OriginServerTs: reader.GetInt64(6),
            StreamOrdering: reader.GetInt64(7),
            InstanceId: reader.GetInt32(8),
            TopologicalOrdering: reader.GetInt64(9),
            Json: reader.GetFieldValue<byte[]>(10),
            Outlier: reader.GetBoolean(11),
            RejectionReason: reader.IsDBNull(12) ? null : reader.GetString(12),
            SoftFailed: reader.GetBoolean(13),
            Membership: reader.IsDBNull(14) ? null : reader.GetString(14),
            ReplacesState: reader.IsDBNull(15) ? null : reader.GetString(15),
            RedactedBy: reader.IsDBNull(16) ? null : reader.GetString(16));
    }

    public static async Task<List<StoredEvent>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            events.Add(Read(reader));
        return events;
    }
}
