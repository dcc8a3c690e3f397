using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Events;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>A signed event as another server would build it: its ID, canonical bytes and parsed view.</summary>
public sealed record RemoteEvent(string EventId, byte[] CanonicalJson, Pdu Pdu);

/// <summary>
/// Builds events signed by a made-up remote server (its own Ed25519 key), for tests that hand
/// received events to the persister or to a federation endpoint. Room versions 3 and up.
/// </summary>
public sealed class RemoteEventBuilder(string serverName, Ed25519SigningKey? key = null) : IDisposable
{
    private readonly bool _ownsKey = key is null;

    public string ServerName { get; } = serverName;

    /// <summary>The key events are signed with: the given one (a real server's), else a fresh one.</summary>
    public Ed25519SigningKey Key { get; } = key ?? Ed25519SigningKey.Generate("remote1");

    public RemoteEvent Build(
        RoomVersion version, string roomId, string type, string sender, JsonObject content, string? stateKey,
        IReadOnlyList<string> prevEvents, IReadOnlyList<string> authEvents, long depth, long? originServerTs = null)
    {
        var evt = new JsonObject
        {
            ["room_id"] = roomId,
            ["type"] = type,
            ["sender"] = sender,
            ["content"] = content,
            ["origin_server_ts"] = originServerTs ?? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["depth"] = depth,
            ["prev_events"] = new JsonArray([.. prevEvents.Select(p => (JsonNode?)p)]),
            ["auth_events"] = new JsonArray([.. authEvents.Select(a => (JsonNode?)a)]),
        };
        if (stateKey is not null)
            evt["state_key"] = stateKey;
        EventSigning.HashAndSign(evt, version, ServerName, Key);
        var eventId = EventIds.Of(evt, version);
        return new RemoteEvent(eventId, Cluster.Shared.Json.CanonicalJson.Encode(evt), Pdu.Parse(evt, version, eventId));
    }

    /// <summary>Builds an event on <paramref name="prevEvents"/> citing the auth events the current state holds for it.</summary>
    public RemoteEvent BuildOn(
        IReadOnlyDictionary<(string Type, string StateKey), StoredEvent> state, string type, string sender, JsonObject content,
        string? stateKey, IReadOnlyList<StoredEvent> prevEvents)
    {
        var create = state[("m.room.create", "")];
        var version = create.RoomVersion;
        var keys = Cluster.Shared.Auth.AuthEventSelection.Select(version, type, stateKey, sender, content);
        var auth = keys.Where(state.ContainsKey).Select(k => state[k].EventId).ToArray();
        return Build(version, create.RoomId, type, sender, content, stateKey, [.. prevEvents.Select(p => p.EventId)], auth,
            prevEvents.Max(p => p.TopologicalOrdering) + 1);
    }

    public void Dispose()
    {
        if (_ownsKey)
            Key.Dispose();
    }
}
