using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.StateResolution;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>
/// Builds events with hand-picked auth events, named "$NAME", for tests of the graph-only parts of state
/// resolution (no auth rules involved). Timestamps increase in the order events are added unless given.
/// </summary>
internal sealed class AuthDagBuilder(RoomVersion version)
{
    public const string Alice = "@alice:example.org";
    public const string Bob = "@bob:example.org";
    public const string Charlie = "@charlie:example.org";

    private readonly List<Pdu> _events = [];
    private long _nextTs = 1;

    public RoomVersion Version => version;

    public IReadOnlyList<Pdu> Events => _events;

    /// <summary>v12 derives the room ID from the create event, which these tests always call $CREATE.</summary>
    public string RoomId => version.RoomIdFromCreateEvent ? "!CREATE" : TestPdu.Room;

    public Pdu Add(string name, string type, string sender, string? stateKey, string content,
        string[]? auth = null, long? ts = null)
    {
        var pdu = TestPdu.Make(version, "$" + name, type, sender, stateKey, content,
            authEvents: (auth ?? []).Select(a => "$" + a), roomId: RoomId, originServerTs: ts ?? _nextTs);
        _nextTs = Math.Max(_nextTs, pdu.OriginServerTs) + 1;
        _events.Add(pdu);
        return pdu;
    }

    public Pdu Create(string sender = Alice) =>
        Add("CREATE", "m.room.create", sender, "", version.ImplicitRoomCreator ? "{}" : $$"""{"creator":"{{sender}}"}""");

    public Pdu Member(string name, string sender, string target, string membership, params string[] auth) =>
        Add(name, "m.room.member", sender, target, $$"""{"membership":"{{membership}}"}""", auth);

    public Pdu PowerLevels(string name, string sender, string usersJson, params string[] auth) =>
        Add(name, "m.room.power_levels", sender, "", $$"""{"users":{{usersJson}}}""", auth);

    public Pdu Topic(string name, string sender, params string[] auth) =>
        Add(name, "m.room.topic", sender, "", $$"""{"topic":"{{name}}"}""", auth);

    public InMemoryEventSource Source() => new(_events);

    public AuthGraph Graph() => new(version, Source());

    public static string Id(string name) => "$" + name;
}
