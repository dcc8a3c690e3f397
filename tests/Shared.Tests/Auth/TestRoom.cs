using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Auth;

/// <summary>
/// Builds a room event by event for rule tests: each event cites the auth events the selection algorithm
/// picks from the current state and follows the last event, with readable IDs ("$3-member").
/// <see cref="Send"/> insists an event passes the rules before it joins the state, so a test's setup
/// cannot quietly rest on a state the rules would never reach; <see cref="Force"/> skips that on purpose.
/// </summary>
public sealed class TestRoom
{
    public const string Alice = "@alice:example.org";
    public const string Bob = "@bob:example.org";
    public const string Carol = "@carol:example.org";
    public const string Dave = "@dave:other.example";
    public const string Eve = "@eve:example.org";

    private readonly Dictionary<(string Type, string StateKey), Pdu> _state = new();
    private readonly Dictionary<string, Pdu> _events = new(StringComparer.Ordinal);
    private int _counter;

    private TestRoom(RoomVersion version, string creator)
    {
        Version = version;
        Creator = creator;
        // v12 room IDs come from the create event; earlier ones are minted on the creator's server.
        RoomId = version.RoomIdFromCreateEvent ? "" : "!room:" + Domain(creator);
    }

    public RoomVersion Version { get; }
    public string Creator { get; }
    public string RoomId { get; private set; }
    public Pdu CreateEvent { get; private set; } = null!;
    public Pdu? LastEvent { get; private set; }

    /// <summary>The current state, keyed as <see cref="EventAuth.Check"/> expects.</summary>
    public IReadOnlyDictionary<(string Type, string StateKey), Pdu> State => _state;

    /// <summary>Every event built so far, by ID.</summary>
    public IReadOnlyDictionary<string, Pdu> Events => _events;

    /// <summary>A copy of the current state, to keep a fork point.</summary>
    public Dictionary<(string Type, string StateKey), Pdu> Snapshot() => new(_state);

    /// <summary>
    /// The usual start of a room: create, the creator's join, power levels (the creator at 100 before v12,
    /// where creators are implicit), then the join rule.
    /// </summary>
    public static TestRoom Standard(RoomVersion version, string joinRule = "public", string creator = Alice,
        string? powerLevels = null, string? extraCreateContent = null)
    {
        var room = CreateOnly(version, creator, extraCreateContent);
        room.Join(creator);
        room.Send(room.Build("m.room.power_levels", creator, "", powerLevels ?? DefaultPowerLevels(version, creator)));
        room.Send(room.Build("m.room.join_rules", creator, "", $$"""{"join_rule":"{{joinRule}}"}"""));
        return room;
    }

    /// <summary>A room holding just its create event, for the rules about the first events.</summary>
    public static TestRoom CreateOnly(RoomVersion version, string creator = Alice, string? extraCreateContent = null)
    {
        var room = new TestRoom(version, creator);
        var content = new JsonObject { ["room_version"] = version.Id };
        if (!version.ImplicitRoomCreator) content["creator"] = creator;
        if (extraCreateContent is not null)
            foreach (var (key, value) in JsonNode.Parse(extraCreateContent)!.AsObject())
                content[key] = value?.DeepClone();
        var create = room.Build("m.room.create", creator, "", content.ToJsonString(), prevEvents: []);
        room.Send(create);
        return room;
    }

    /// <summary>Power levels with the spec's defaults spelled out and power levels themselves at 100.</summary>
    public static string DefaultPowerLevels(RoomVersion version, string creator = Alice, string extraUsers = "")
    {
        var users = version.RoomIdFromCreateEvent ? "" : $"\"{creator}\":100";
        if (extraUsers.Length > 0) users = users.Length > 0 ? users + "," + extraUsers : extraUsers;
        var tombstone = version.RoomIdFromCreateEvent ? ",\"m.room.tombstone\":150" : "";
        return "{\"users\":{" + users + "},\"users_default\":0,\"events_default\":0,\"state_default\":50,"
            + "\"ban\":50,\"kick\":50,\"redact\":50,\"invite\":0,"
            + "\"events\":{\"m.room.power_levels\":100,\"m.room.history_visibility\":100" + tombstone + "}}";
    }

    /// <summary>
    /// An event citing the auth events selected from the current state (or <paramref name="authEvents"/>),
    /// following the last event (or <paramref name="prevEvents"/>). It is not added to the state.
    /// </summary>
    public Pdu Build(string type, string sender, string? stateKey, string content,
        IEnumerable<string>? prevEvents = null, IEnumerable<string>? authEvents = null, string? redacts = null,
        IEnumerable<string>? signedBy = null, string? roomId = null, string? eventId = null)
    {
        var id = eventId ?? NextEventId(type, sender);
        var contentObject = JsonNode.Parse(content)!.AsObject();
        authEvents ??= type == "m.room.create" ? [] : SelectAuthEvents(type, stateKey, sender, contentObject);
        prevEvents ??= LastEvent is null ? [] : [LastEvent.EventId];
        var depth = (LastEvent?.Depth ?? 0) + 1;
        var pdu = TestPdu.Make(Version, id, type, sender, stateKey, content, authEvents, prevEvents, depth,
            roomId ?? RoomId, originServerTs: 1_000 + _counter, redacts: redacts);
        foreach (var server in signedBy ?? [])
            AddSignature(pdu, server);
        _events[id] = pdu;
        return pdu;
    }

    /// <summary>Adds a placeholder signature entry from <paramref name="server"/> (auth only looks for its presence).</summary>
    public static void AddSignature(Pdu pdu, string server)
    {
        var signatures = pdu.Json["signatures"]!.AsObject();
        signatures[server] = new JsonObject { ["ed25519:auto"] = "c2lnbmF0dXJl" };
    }

    /// <summary>Checks <paramref name="ev"/> against the current state, adds it, and fails the test if the rules refuse it.</summary>
    public Pdu Send(Pdu ev)
    {
        var decision = EventAuth.Check(ev, _state);
        if (!decision.Allowed)
            throw new InvalidOperationException($"setup event {ev} was refused: {decision.Reason}");
        return Force(ev);
    }

    /// <summary>Adds <paramref name="ev"/> to the room without checking it, for states the rules would not produce.</summary>
    public Pdu Force(Pdu ev)
    {
        _events[ev.EventId] = ev;
        if (ev.Type == "m.room.create")
        {
            CreateEvent = ev;
            if (Version.RoomIdFromCreateEvent) RoomId = ev.RoomId;
        }
        if (ev.StateKeyTuple is { } key) _state[key] = ev;
        LastEvent = ev;
        return ev;
    }

    public Pdu Send(string type, string sender, string? stateKey, string content) => Send(Build(type, sender, stateKey, content));

    public Pdu Join(string user) => Send(Member(user, user, "join"));
    public Pdu Invite(string sender, string target) => Send(Member(sender, target, "invite"));
    public Pdu Leave(string user) => Send(Member(user, user, "leave"));
    public Pdu Ban(string sender, string target) => Send(Member(sender, target, "ban"));

    /// <summary>Sets the power levels (as the creator) to the defaults plus <paramref name="extraUsers"/> ("\"@u:s\":50,…").</summary>
    public Pdu SetUserLevels(string extraUsers) =>
        Send(Build("m.room.power_levels", Creator, "", DefaultPowerLevels(Version, Creator, extraUsers)));

    /// <summary>A member event (not added) with optional extra content members, e.g. <c>"reason":"x"</c>.</summary>
    public Pdu Member(string sender, string target, string membership, string extraContent = "", IEnumerable<string>? signedBy = null)
    {
        var content = extraContent.Length == 0
            ? $$"""{"membership":"{{membership}}"}"""
            : $$"""{"membership":"{{membership}}",{{extraContent}}}""";
        return Build("m.room.member", sender, target, content, signedBy: signedBy);
    }

    public Pdu Message(string sender, string body = "hello") =>
        Build("m.room.message", sender, null, $$"""{"msgtype":"m.text","body":"{{body}}"}""");

    public AuthDecision Check(Pdu ev) => EventAuth.Check(ev, _state);

    /// <summary>Checks <paramref name="ev"/> against the events it cites (and, for v12, the room's create event).</summary>
    public AuthDecision CheckAgainstAuthEvents(Pdu ev) =>
        EventAuth.CheckAgainstAuthEvents(ev, ev.AuthEventIds.Select(id => _events[id]).ToList(),
            Version.RoomIdFromCreateEvent ? CreateEvent : null);

    private List<string> SelectAuthEvents(string type, string? stateKey, string sender, JsonObject content)
    {
        var ids = new List<string>();
        foreach (var key in AuthEventSelection.Select(Version, type, stateKey, sender, content))
            if (_state.TryGetValue(key, out var pdu)) ids.Add(pdu.EventId);
        return ids;
    }

    private string NextEventId(string type, string sender)
    {
        _counter++;
        var label = type == "m.room.create" ? "create" : type.StartsWith("m.room.", StringComparison.Ordinal) ? type[7..] : type;
        // v1/v2 event IDs are minted by the sender's server and carry its name.
        return Version.ServerGeneratedEventIds ? $"${_counter}-{label}:{Domain(sender)}" : $"${_counter}-{label}";
    }

    public static string Domain(string userId) => userId[(userId.IndexOf(':') + 1)..];
}
