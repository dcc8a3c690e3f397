using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.StateResolution.RoomHistory;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>
/// Concurrent histories resolved end to end, with the real authorization rules, in every room version that
/// uses state resolution v2 or v2.1. The room starts as <see cref="RoomHistory.StandardRoom"/>.
/// </summary>
public class StateResolutionScenarioTests
{
    public static IEnumerable<RoomVersion> V2AndLater => Versions.All.Where(v => v.StateResolution != StateResolutionAlgorithm.V1);

    private static readonly (string, string) PowerLevelsKey = ("m.room.power_levels", "");
    private static readonly (string, string) JoinRulesKey = ("m.room.join_rules", "");
    private static readonly (string, string) TopicKey = ("m.room.topic", "");

    private static (string, string) MemberKey(string user) => ("m.room.member", user);

    [TestCaseSource(nameof(V2AndLater))]
    public void BanByADemotedModeratorLosesToTheDemotion(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.PowerLevels("MOD", Alice, $$"""{"{{Bob}}":50}""", "START");
        // Alice demotes Bob while Bob, still a moderator on his side, bans Charlie.
        room.PowerLevels("DEMOTE", Alice, $$"""{"{{Bob}}":0}""", "MOD");
        room.Member("BAN", Bob, Charlie, "ban", "MOD");

        var resolved = room.ResolveAfter("DEMOTE", "BAN");

        Assert.That(resolved[PowerLevelsKey], Is.EqualTo(Id("DEMOTE")));
        Assert.That(resolved[MemberKey(Charlie)], Is.EqualTo(Id("IMC")), "the ban is replayed after the demotion and fails");
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void PowerChangeByABannedModeratorLosesToTheBan(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.PowerLevels("MOD", Alice, $$"""{"{{Bob}}":50}""", "START");
        // Alice bans Bob while Bob, on his side, hands Charlie some power.
        room.Member("BAN", Alice, Bob, "ban", "MOD");
        room.PowerLevels("BOBPL", Bob, $$"""{"{{Bob}}":50,"{{Charlie}}":25}""", "MOD");

        var resolved = room.ResolveAfter("BAN", "BOBPL");

        Assert.That(resolved[MemberKey(Bob)], Is.EqualTo(Id("BAN")));
        Assert.That(resolved[PowerLevelsKey], Is.EqualTo(Id("MOD")), "Bob is no longer joined when his change is replayed");
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void TopicResetsToTheLastTopicOfAMemberWhoWasNotBanned(RoomVersion version)
    {
        // One side: Alice sets T1, makes Bob a moderator, Bob sets T2, then Alice bans Bob. The other side still
        // sits at T1. Bob's topic must not survive his ban, and the topic must not vanish either: it is T1.
        var room = StandardRoom(version);
        room.Topic("T1", Alice, "START");
        room.PowerLevels("PA", Alice, $$"""{"{{Bob}}":50}""", "T1");
        room.Topic("T2", Bob, "PA");
        room.Member("MB", Alice, Bob, "ban", "T2");

        var resolved = room.ResolveAfter("MB", "T1");

        Assert.That(resolved[TopicKey], Is.EqualTo(Id("T1")));
        Assert.That(resolved[PowerLevelsKey], Is.EqualTo(Id("PA")));
        Assert.That(resolved[MemberKey(Bob)], Is.EqualTo(Id("MB")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void JoinRacingAChangeToInviteOnlyIsDropped(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.Add("JR", "m.room.join_rules", Alice, "", """{"join_rule":"invite"}""", "START");
        room.Member("ME", Evelyn, Evelyn, "join", "START");

        var resolved = room.ResolveAfter("JR", "ME");

        Assert.That(resolved[JoinRulesKey], Is.EqualTo(Id("JR")));
        Assert.That(resolved.ContainsKey(MemberKey(Evelyn)), Is.False);
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void ConcurrentPowerLevelsFromTheMorePowerfulSenderApplyFirst(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.PowerLevels("MOD", Alice, $$"""{"{{Bob}}":50}""", "START");
        // Bob's change is older, but Alice's sorts first; Bob's is then checked against it and still passes.
        room.PowerLevels("BOBPL", Bob, $$"""{"{{Bob}}":50,"{{Zara}}":20}""", "MOD");
        room.PowerLevels("ALICEPL", Alice, $$"""{"{{Bob}}":50,"{{Charlie}}":10}""", "MOD");

        Assert.That(room["BOBPL"].OriginServerTs, Is.LessThan(room["ALICEPL"].OriginServerTs));
        Assert.That(room.ResolveAfter("BOBPL", "ALICEPL")[PowerLevelsKey], Is.EqualTo(Id("BOBPL")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void ConcurrentPowerLevelsThatDemoteTheOtherSenderWin(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.PowerLevels("MOD", Alice, $$"""{"{{Bob}}":50}""", "START");
        room.PowerLevels("BOBPL", Bob, $$"""{"{{Bob}}":50,"{{Zara}}":20}""", "MOD");
        room.PowerLevels("DEMOTE", Alice, $$"""{"{{Bob}}":0}""", "MOD");

        Assert.That(room.ResolveAfter("BOBPL", "DEMOTE")[PowerLevelsKey], Is.EqualTo(Id("DEMOTE")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void ChainOfDelegatedPowerChangesSurvivesAFork(RoomVersion version)
    {
        // Alice makes Bob a moderator, Bob makes Charlie one, Charlie lowers himself; the other side is at PA.
        var room = StandardRoom(version);
        room.PowerLevels("PA", Alice, $$"""{"{{Bob}}":50}""", "START");
        room.PowerLevels("PB", Bob, $$"""{"{{Bob}}":50,"{{Charlie}}":50}""", "PA");
        room.PowerLevels("PC", Charlie, $$"""{"{{Bob}}":50,"{{Charlie}}":0}""", "PB");
        room.Topic("OTHER", Alice, "PA");

        Assert.That(room.ResolveAfter("PC", "OTHER")[PowerLevelsKey], Is.EqualTo(Id("PC")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void TopicBasedOnTheResolvedPowerLevelsBeatsANewerTopicBasedOnOlderOnes(RoomVersion version)
    {
        // Mainline ordering: NEAR cites the resolved power levels PA, FAR only the earlier IPOWER. FAR is applied
        // first although it is newer, and NEAR then replaces it.
        var room = StandardRoom(version);
        room.PowerLevels("PA", Alice, $$"""{"{{Bob}}":50}""", "START");
        room.Topic("NEAR", Alice, "PA");
        room.Topic("FAR", Alice, "START");

        Assert.That(room["FAR"].OriginServerTs, Is.GreaterThan(room["NEAR"].OriginServerTs));
        Assert.That(room.ResolveAfter("NEAR", "FAR")[TopicKey], Is.EqualTo(Id("NEAR")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void TopicsAtTheSameMainlinePositionResolveToTheNewer(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.Topic("OLDER", Alice, "START");
        room.Topic("NEWER", Bob, "START");

        // Bob cannot set the topic (state_default 50), so the newer one fails and the older stands.
        Assert.That(room.ResolveAfter("NEWER", "OLDER")[TopicKey], Is.EqualTo(Id("OLDER")));

        room.Topic("NEWEST", Alice, "START");
        Assert.That(room.ResolveAfter("NEWEST", "OLDER")[TopicKey], Is.EqualTo(Id("NEWEST")));
    }

    [TestCaseSource(nameof(V2AndLater))]
    public void ResolvingAStateWithItselfChangesNothing(RoomVersion version)
    {
        var room = StandardRoom(version);
        room.Topic("T", Bob, "START");

        Assert.That(room.ResolveAfter("T", "T"), Is.EquivalentTo(room.StateAfter("T")));
    }
}
