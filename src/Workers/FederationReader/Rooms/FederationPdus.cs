using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Workers.FederationReader.Rooms;

/// <summary>
/// Events as another server receives them: the stored canonical JSON (what its hashes and
/// signatures cover), pruned by the room version's redaction algorithm when a redaction applies
/// or the server may not see the content. Either way the receiver can check the event's signatures.
/// </summary>
public static class FederationPdus
{
    public static JsonObject Format(StoredEvent e, bool contentVisible)
    {
        var json = e.ParseJson();
        return e.IsRedacted || !contentVisible ? Redaction.Redact(json, e.RoomVersion) : json;
    }

    /// <summary>Events in the order given, each in full when <paramref name="visible"/> holds its ID.</summary>
    public static JsonArray FormatAll(IEnumerable<StoredEvent> events, IReadOnlySet<string> visible) =>
        new([.. events.Select(e => (JsonNode)Format(e, visible.Contains(e.EventId)))]);

    /// <summary>The transaction shape /event and /backfill answer with (spec: "Transactions").</summary>
    public static JsonObject Transaction(string origin, long originServerTs, JsonArray pdus) => new()
    {
        ["origin"] = origin,
        ["origin_server_ts"] = originServerTs,
        ["pdus"] = pdus,
    };
}
