using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.StateResolution;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>
/// A room's event graph built the way servers build it: an event's prev_events name the events it follows, the
/// state before it is the resolution of the states after those, and its auth_events are what the auth event
/// selection picks from that state. Events are not checked when added, so a history can hold the concurrent
/// (and possibly unauthorised) events a scenario needs. Events are called "$NAME"; timestamps increase.
/// </summary>
internal sealed class RoomHistory : IEventSource
{
    public const string Alice = "@alice:example.org";
    public const string Bob = "@bob:example.org";
    public const string Charlie = "@charlie:example.org";
    public const string Evelyn = "@evelyn:example.org";
    public const string Zara = "@zara:example.org";

    private readonly Dictionary<string, Pdu> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<(string Type, string StateKey), string>> _stateAfter =
        new(StringComparer.Ordinal);
    private long _nextTs = 1;

    public RoomHistory(RoomVersion version) => Version = version;

    public RoomVersion Version { get; }

    /// <summary>From room version 12 the room ID is derived from the create event, which is always $CREATE here.</summary>
    public string RoomId => Version.RoomIdFromCreateEvent ? "!CREATE" : TestPdu.Room;

    public IEnumerable<Pdu> Events => _events.Values;

    public Pdu this[string name] => _events[Id(name)];

    public static string Id(string name) => "$" + name;

    /// <summary>
    /// A room where Alice created the room (power 100, or creator in v12), set public join rules, and Bob,
    /// Charlie and Zara joined. The last event is "START", a message.
    /// </summary>
    public static RoomHistory StandardRoom(RoomVersion version)
    {
        var room = new RoomHistory(version);
        room.Add("CREATE", "m.room.create", Alice, "",
            version.ImplicitRoomCreator ? $$"""{"room_version":"{{version.Id}}"}""" : $$"""{"creator":"{{Alice}}"}""");
        room.Member("IMA", Alice, Alice, "join", "CREATE");
        room.PowerLevels("IPOWER", Alice, "{}", "IMA");
        room.Add("IJR", "m.room.join_rules", Alice, "", """{"join_rule":"public"}""", "IPOWER");
        room.Member("IMB", Bob, Bob, "join", "IJR");
        room.Member("IMC", Charlie, Charlie, "join", "IMB");
        room.Member("IMZ", Zara, Zara, "join", "IMC");
        room.Add("START", "m.room.message", Zara, null, """{"body":"start"}""", "IMZ");
        return room;
    }

    public Pdu Add(string name, string type, string sender, string? stateKey, string content, params string[] prevs)
    {
        var stateBefore = prevs.Length == 0 ? [] : ResolveAfter(prevs);
        var contentObject = JsonNode.Parse(content)!.AsObject();
        var authEvents = AuthEventSelection.Select(Version, type, stateKey, sender, contentObject)
            .Where(stateBefore.ContainsKey)
            .Select(key => stateBefore[key])
            .Distinct()
            .ToList();
        var depth = prevs.Length == 0 ? 1 : prevs.Max(p => this[p].Depth) + 1;

        var pdu = TestPdu.Make(Version, Id(name), type, sender, stateKey, content, authEvents,
            prevs.Select(Id), depth, RoomId, _nextTs++);
        _events.Add(pdu.EventId, pdu);
        var stateAfter = new Dictionary<(string Type, string StateKey), string>(stateBefore);
        if (stateKey is not null) stateAfter[(type, stateKey)] = pdu.EventId;
        _stateAfter[pdu.EventId] = stateAfter;
        return pdu;
    }

    public Pdu Member(string name, string sender, string target, string membership, params string[] prevs) =>
        Add(name, "m.room.member", sender, target, $$"""{"membership":"{{membership}}"}""", prevs);

    /// <summary>A power_levels event with these user levels; in v12 Alice, as creator, must not be listed.</summary>
    public Pdu PowerLevels(string name, string sender, string usersJson, params string[] prevs)
    {
        var users = JsonNode.Parse(usersJson)!.AsObject();
        if (!Version.RoomIdFromCreateEvent) users[Alice] = 100;
        return Add(name, "m.room.power_levels", sender, "", new JsonObject { ["users"] = users }.ToJsonString(), prevs);
    }

    public Pdu Topic(string name, string sender, params string[] prevs) =>
        Add(name, "m.room.topic", sender, "", $$"""{"topic":"{{name}}"}""", prevs);

    public Dictionary<(string Type, string StateKey), string> StateAfter(string name) => new(_stateAfter[Id(name)]);

    /// <summary>The state before an event whose prev_events are <paramref name="prevs"/>.</summary>
    public Dictionary<(string Type, string StateKey), string> ResolveAfter(params string[] prevs) =>
        prevs.Length == 1
            ? StateAfter(prevs[0])
            : new(StateResolver.Resolve(Version, prevs.Select(p => (IReadOnlyDictionary<(string Type, string StateKey), string>)_stateAfter[Id(p)]).ToList(), this));

    public Pdu? Get(string eventId) => _events.GetValueOrDefault(eventId);
}
