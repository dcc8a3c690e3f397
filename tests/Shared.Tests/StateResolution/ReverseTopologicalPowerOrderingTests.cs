using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

public class ReverseTopologicalPowerOrderingTests
{
    private static string[] Sort(AuthDagBuilder dag, string[] powerEvents, string[] fullConflictedSet)
    {
        var graph = dag.Graph();
        var full = fullConflictedSet.Select(n => graph.IndexOf(Id(n))).ToHashSet();
        var sorted = ReverseTopologicalPowerOrdering.Sort(graph, powerEvents.Select(n => graph.IndexOf(Id(n))), full,
            new SenderPowerLevels(graph));
        return sorted.Select(graph.IdOf).ToArray();
    }

    /// <summary>Alice at 100, Bob at 50, Charlie at 50 by PL; each then sends an event citing PL.</summary>
    private static AuthDagBuilder Room()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.PowerLevels("PL", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":50,"{{Charlie}}":50}""", "CREATE", "JA");
        return dag;
    }

    [Test]
    public void GreaterSenderPowerLevelGoesFirst()
    {
        var dag = Room();
        dag.Add("BOB", "m.room.join_rules", Bob, "", """{"join_rule":"invite"}""", ["CREATE", "PL"], ts: 1);
        dag.Add("ALICE", "m.room.join_rules", Alice, "", """{"join_rule":"public"}""", ["CREATE", "PL"], ts: 50);

        Assert.That(Sort(dag, ["BOB", "ALICE"], ["BOB", "ALICE"]), Is.EqualTo(new[] { "$ALICE", "$BOB" }));
    }

    [Test]
    public void EqualPowerFallsBackToEarlierOriginServerTs()
    {
        var dag = Room();
        dag.Add("ZZ", "m.room.join_rules", Bob, "", """{"join_rule":"invite"}""", ["CREATE", "PL"], ts: 10);
        dag.Add("AA", "m.room.join_rules", Charlie, "", """{"join_rule":"public"}""", ["CREATE", "PL"], ts: 20);

        Assert.That(Sort(dag, ["AA", "ZZ"], ["AA", "ZZ"]), Is.EqualTo(new[] { "$ZZ", "$AA" }));
    }

    [Test]
    public void EqualPowerAndTsFallBackToTheSmallerEventId()
    {
        var dag = Room();
        dag.Add("B", "m.room.join_rules", Bob, "", """{"join_rule":"invite"}""", ["CREATE", "PL"], ts: 10);
        dag.Add("A", "m.room.join_rules", Charlie, "", """{"join_rule":"public"}""", ["CREATE", "PL"], ts: 10);

        Assert.That(Sort(dag, ["B", "A"], ["A", "B"]), Is.EqualTo(new[] { "$A", "$B" }));
    }

    [Test]
    public void AuthEventsComeBeforeTheEventsTheyAuthoriseWhateverTheirPower()
    {
        // P2 (Bob, power 50, early ts) is cited by P3 (Alice); Bob's join rules event cites P2.
        var dag = Room();
        dag.PowerLevels("P2", Bob, $$"""{"{{Alice}}":100,"{{Bob}}":50}""", "CREATE", "PL");
        dag.Add("JR", "m.room.join_rules", Alice, "", """{"join_rule":"invite"}""", ["CREATE", "P2"]);

        Assert.That(Sort(dag, ["JR"], ["JR", "P2"]), Is.EqualTo(new[] { "$P2", "$JR" }),
            "P2 is pulled in as a conflicted auth ancestor of JR and must precede it");
    }

    [Test]
    public void AncestorsOutsideTheFullConflictedSetAreLeftOut()
    {
        var dag = Room();
        dag.Add("JR", "m.room.join_rules", Alice, "", """{"join_rule":"invite"}""", ["CREATE", "PL"]);

        Assert.That(Sort(dag, ["JR"], ["JR"]), Is.EqualTo(new[] { "$JR" }));
    }

    [Test]
    public void PowerIsReadFromEachEventsOwnAuthEventsNotTheLatestPowerLevels()
    {
        // PX raises Bob to 100, but the event Bob sends before it was authorised by PL, where he has 50.
        var dag = Room();
        dag.Add("BOBJR", "m.room.join_rules", Bob, "", """{"join_rule":"invite"}""", ["CREATE", "PL"], ts: 1);
        dag.PowerLevels("PX", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":100}""", "CREATE", "PL");
        dag.Add("CHARLIEJR", "m.room.join_rules", Charlie, "", """{"join_rule":"public"}""", ["CREATE", "PL"], ts: 0);

        Assert.That(Sort(dag, ["BOBJR", "CHARLIEJR"], ["BOBJR", "CHARLIEJR", "PX"]),
            Is.EqualTo(new[] { "$CHARLIEJR", "$BOBJR" }));
    }
}
