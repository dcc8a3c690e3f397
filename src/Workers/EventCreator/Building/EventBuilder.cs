using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Text;

namespace Cluster.Workers.EventCreator.Building;

/// <summary>A signed event ready to persist: its parsed view and the canonical JSON that was hashed and signed.</summary>
public sealed record BuiltEvent(Pdu Pdu, byte[] CanonicalJson)
{
    public string EventId => Pdu.EventId;
}

/// <summary>
/// Turns a draft into a signed PDU of the room's version: prev_events (the forward extremities),
/// auth_events (the auth event selection over the room's state), depth, timestamp, content hash,
/// signature and event ID, then checks the spec's size limits and JSON rules. Authorisation is
/// the caller's next step.
/// </summary>
public sealed class EventBuilder(ServerSigningKeyProvider keys, TimeProvider clock)
{
    /// <summary>Depth stops here: canonical JSON integers end at 2^53 - 1, and the spec caps depth rather than wrapping.</summary>
    public const long MaxDepth = (1L << 53) - 1;

    /// <summary>At most this many prev_events, the newest extremities (the spec suggests a small bound; 10 as Synapse).</summary>
    public const int MaxPrevEvents = 10;

    private const string RoomIdAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    public async Task<BuiltEvent> BuildAsync(RoomContext room, EventDraft draft, CancellationToken cancellationToken)
    {
        var version = room.Version;
        // A create event founds a room: only when there is nothing to follow. Sent into an existing
        // room it is built like any event (with prev_events) and the auth rules refuse it.
        var isCreate = draft.Type == RoomEventTypes.Create && draft.StateKey == "" && room.Extremities.Count == 0;
        var evt = new JsonObject();
        if (draft.TopLevel is not null)
            foreach (var (field, value) in draft.TopLevel)
                evt[field] = value?.DeepClone();
        evt["type"] = draft.Type;
        evt["sender"] = draft.Sender;
        evt["content"] = draft.Content.DeepClone();
        if (draft.StateKey is not null)
            evt["state_key"] = draft.StateKey;
        evt["origin_server_ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds();

        if (isCreate)
        {
            if (!version.RoomIdFromCreateEvent)
                evt["room_id"] = room.RoomId ?? NewRoomId(keys.ServerName);
            evt["prev_events"] = new JsonArray();
            evt["auth_events"] = new JsonArray();
            evt["depth"] = 1;
        }
        else
        {
            var roomId = room.RoomId ?? throw new InvalidOperationException("Only a create event is built before the room has an ID.");
            evt["room_id"] = roomId;
            var prevs = room.Extremities.Take(MaxPrevEvents).ToArray();
            if (prevs.Length == 0)
                throw new InvalidOperationException($"Room {roomId} has no forward extremities to build on.");
            evt["prev_events"] = References(prevs.Select(p => (p.EventId, p.Json)), version);
            var selected = AuthEventSelection.Select(version, draft.Type, draft.StateKey, draft.Sender, draft.Content);
            var authEvents = selected.Select(k => room.Get(k.Type, k.StateKey)).OfType<Pdu>().ToArray();
            evt["auth_events"] = References(authEvents.Select(a => (a.EventId, a.Json)), version);
            evt["depth"] = Math.Min(prevs.Max(p => p.Depth), MaxDepth - 1) + 1;
        }
        if (version.ServerGeneratedEventIds)
            evt["event_id"] = EventIds.NewServerGenerated(keys.ServerName);

        // v6+ events may only hold integers in the canonical range: refuse a client's 1.5 or 2^60
        // now (M_BAD_JSON) rather than produce an event other servers would reject.
        if (version.StrictCanonicalJson)
            StrictJson.ParseElement(CanonicalJson.Encode(evt), StrictJsonOptions.StrictCanonical);

        var key = await keys.GetAsync(cancellationToken);
        var referenceHash = EventSigning.HashAndSign(evt, version, keys.ServerName, key);
        var eventId = version.EventFormat == EventFormat.V1 ? EventIds.Of(evt, version) : EventIds.FromReferenceHash(referenceHash, version);
        byte[] canonical;
        try
        {
            canonical = CanonicalJson.Encode(evt);
        }
        catch (CanonicalJsonException)
        {
            throw MatrixException.BadJson("The event cannot be written as canonical JSON.");
        }
        var size = EventSizeLimits.Check(evt, version.ServerGeneratedEventIds ? null : eventId, canonical.Length);
        if (!size.IsValid)
            throw MatrixException.TooLarge($"The event is too large: {size}.");
        var pdu = Pdu.Parse(evt, version, eventId);
        return new BuiltEvent(pdu, canonical);
    }

    private static JsonArray References(IEnumerable<(string EventId, JsonObject Json)> events, RoomVersion version)
    {
        var array = new JsonArray();
        foreach (var (eventId, json) in events)
        {
            if (version.EventFormat == EventFormat.V1)
                array.Add(new JsonArray(eventId, new JsonObject
                {
                    [EventHashing.Sha256Key] = UnpaddedBase64.Encode(EventHashing.ComputeReferenceHash(json, version)),
                }));
            else
                array.Add(eventId);
        }
        return array;
    }

    /// <summary>A fresh <c>!opaque:server</c> room ID for room versions 1-11.</summary>
    public static string NewRoomId(string serverName) =>
        "!" + RandomNumberGenerator.GetString(RoomIdAlphabet, 18) + ":" + serverName;
}
