using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>The room state an event is checked against, with the lookups the rules ask for.</summary>
internal readonly struct AuthState
{
    private readonly IReadOnlyDictionary<(string Type, string StateKey), Pdu> _state;

    public AuthState(RoomVersion version, IReadOnlyDictionary<(string Type, string StateKey), Pdu> state, Pdu create)
    {
        _state = state;
        Create = create;
        Creators = new RoomCreators(create);
        PowerLevelsEvent = Get(EventTypes.PowerLevels, "");
        PowerLevels = new PowerLevels(PowerLevelsEvent?.Content, version, Creators);
    }

    public Pdu Create { get; }
    public RoomCreators Creators { get; }
    public Pdu? PowerLevelsEvent { get; }
    public PowerLevels PowerLevels { get; }

    public Pdu? Get(string type, string stateKey) => _state.TryGetValue((type, stateKey), out var pdu) ? pdu : null;

    /// <summary>The user's current membership (<see cref="Membership.None"/> when the room holds no member event for them).</summary>
    public Membership MembershipOf(string userId) =>
        Get(EventTypes.Member, userId) is { } member ? Memberships.Read(member.Content[ContentKeys.Membership]) : Membership.None;

    /// <summary>The join rule in force; a room without one (or without a readable one) is invite-only.</summary>
    public string JoinRule =>
        Get(EventTypes.JoinRules, "") is { } rules && Pdu.StringOf(rules.Content[ContentKeys.JoinRule]) is { } rule
            ? rule
            : JoinRuleNames.Invite;
}
