using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.StateResolution.RoomHistory;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>
/// The two "state reset" problems MSC4297 describes, where a state set is outdated for its auth chain (as a
/// partial /state response can make it). State resolution v2 (room version 11) resets state; v2.1 (room
/// version 12) does not.
/// </summary>
public class StateResolutionV21Tests
{
    private static readonly (string, string) PowerLevelsKey = ("m.room.power_levels", "");
    private static readonly (string, string) JoinRulesKey = ("m.room.join_rules", "");

    /// <summary>
    /// Alice makes the room invite-only and then leaves; a second state set agrees she left but still holds the
    /// old join rules. Both join rules events are conflicted and both were sent by Alice.
    /// </summary>
    private static IReadOnlyDictionary<(string Type, string StateKey), string> ResolveJoinRulesSetByALeaver(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.Add("JR", "m.room.join_rules", Alice, "", """{"join_rule":"invite"}""", "START");
        room.Member("LEAVE", Alice, Alice, "leave", "JR");
        var current = room.StateAfter("LEAVE");
        var outdated = room.StateAfter("LEAVE");
        outdated[JoinRulesKey] = Id("IJR");

        return Cluster.Shared.StateResolution.StateResolver.Resolve(version, [current, outdated], room);
    }

    [Test]
    public void V2ReplaysJoinRulesOverTheUnconflictedLeaveAndLosesThem()
    {
        // Starting from the unconflicted state, Alice is not a member, so neither join rules event passes.
        Assert.That(ResolveJoinRulesSetByALeaver(Versions.V11).ContainsKey(JoinRulesKey), Is.False);
    }

    [Test]
    public void V21ReplaysJoinRulesFromAnEmptyStateAndKeepsTheLatest()
    {
        // Starting from an empty state, each event is checked against its own auth events, where Alice is joined.
        Assert.That(ResolveJoinRulesSetByALeaver(Versions.V12)[JoinRulesKey], Is.EqualTo(Id("JR")));
    }

    /// <summary>
    /// Alice makes Bob a moderator (PA), Bob makes Charlie one (PB), Charlie makes Zara one (PC), and Zara sets
    /// a topic. A second state set holds that topic, whose auth chain reaches PC, but the outdated PA: PB is then
    /// in every auth chain and so not in the auth difference.
    /// </summary>
    private static string ResolveDelegatedPowerWithOutdatedPowerLevels(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.PowerLevels("PA", Alice, $$"""{"{{Bob}}":50}""", "START");
        room.PowerLevels("PB", Bob, $$"""{"{{Bob}}":50,"{{Charlie}}":50}""", "PA");
        room.PowerLevels("PC", Charlie, $$"""{"{{Bob}}":50,"{{Charlie}}":50,"{{Zara}}":50}""", "PB");
        room.Topic("TOPIC", Zara, "PC");
        var current = room.StateAfter("TOPIC");
        var outdated = room.StateAfter("TOPIC");
        outdated[PowerLevelsKey] = Id("PA");

        return Cluster.Shared.StateResolution.StateResolver.Resolve(version, [current, outdated], room)[PowerLevelsKey];
    }

    [Test]
    public void V2LosesDelegatedPowerWhenTheMiddleStepIsNotReplayed()
    {
        // Only PA and PC are replayed; against PA Charlie has no power, so PC fails and the state resets to PA.
        Assert.That(ResolveDelegatedPowerWithOutdatedPowerLevels(Versions.V11), Is.EqualTo(Id("PA")));
    }

    [Test]
    public void V21ReplaysTheConflictedStateSubgraphAndKeepsDelegatedPower()
    {
        // PB lies on the auth path from PC to PA, so the conflicted state subgraph brings it into the replay.
        Assert.That(ResolveDelegatedPowerWithOutdatedPowerLevels(Versions.V12), Is.EqualTo(Id("PC")));
    }
}
