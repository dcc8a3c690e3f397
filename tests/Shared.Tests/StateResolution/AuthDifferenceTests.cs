using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

public class AuthDifferenceTests
{
    /// <summary>CREATE ← JA ← PL; two forks above PL: A1 ← A2 on one side, B1 on the other.</summary>
    private static AuthDagBuilder Forked()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.PowerLevels("PL", Alice, $$"""{"{{Alice}}":100}""", "CREATE", "JA");
        dag.Topic("A1", Alice, "CREATE", "JA", "PL");
        dag.Add("A2", "m.room.name", Alice, "", """{"name":"a"}""", ["CREATE", "JA", "PL", "A1"]);
        dag.Topic("B1", Alice, "CREATE", "JA", "PL");
        return dag;
    }

    private static string[] Difference(AuthDagBuilder dag, string[] shared, params string[][] perSet)
    {
        var graph = dag.Graph();
        var result = AuthDifference.Compute(graph,
            shared.Select(n => graph.IndexOf(Id(n))).ToList(),
            perSet.Select(set => (IReadOnlyList<int>)set.Select(n => graph.IndexOf(Id(n))).ToList()).ToList());
        return result.Select(graph.IdOf).Order(StringComparer.Ordinal).ToArray();
    }

    [Test]
    public void EventsInOnlySomeAuthChainsAreTheDifference()
    {
        // Set 1 holds A2 (whose chain has A1); set 2 holds B1. The shared history is in both chains.
        var difference = Difference(Forked(), ["PL"], ["A2"], ["B1"]);

        Assert.That(difference, Is.EqualTo(new[] { "$A1", "$A2", "$B1" }));
    }

    [Test]
    public void EventReachedByEverySetIsNotInTheDifference()
    {
        // Both sets reach A1: set 1 holds it, set 2 holds A2 which cites it.
        var difference = Difference(Forked(), ["PL"], ["A1"], ["A2"]);

        Assert.That(difference, Is.EqualTo(new[] { "$A2" }));
    }

    [Test]
    public void AncestorsOfSharedEventsAreNeverInTheDifference()
    {
        // PL is shared, so CREATE and JA (in its chain) are in every chain even though only set 1 names them.
        var difference = Difference(Forked(), ["PL"], ["JA", "A1"], ["B1"]);

        Assert.That(difference, Is.EqualTo(new[] { "$A1", "$B1" }));
    }

    [Test]
    public void EventInTwoOfThreeChainsIsInTheDifference()
    {
        var difference = Difference(Forked(), ["PL"], ["A1"], ["A2"], ["B1"]);

        Assert.That(difference, Is.EqualTo(new[] { "$A1", "$A2", "$B1" }));
    }
}
