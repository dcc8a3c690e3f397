using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

public class ConflictedStateSubgraphTests
{
    private static string[] Subgraph(AuthDagBuilder dag, params string[] conflicted)
    {
        var graph = dag.Graph();
        var result = ConflictedStateSubgraph.Compute(graph, conflicted.Select(n => graph.IndexOf(Id(n))).ToList());
        return result.Select(graph.IdOf).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A v12 chain of power levels P1 ← P2 ← P3 ← P4 over the creator's join, with a side event S on P2.</summary>
    private static AuthDagBuilder Chain()
    {
        var dag = new AuthDagBuilder(Versions.V12);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join");
        dag.PowerLevels("P1", Alice, $$"""{"{{Bob}}":10}""", "JA");
        dag.PowerLevels("P2", Alice, $$"""{"{{Bob}}":20}""", "JA", "P1");
        dag.PowerLevels("P3", Alice, $$"""{"{{Bob}}":30}""", "JA", "P2");
        dag.PowerLevels("P4", Alice, $$"""{"{{Bob}}":40}""", "JA", "P3");
        dag.Topic("S", Alice, "JA", "P2");
        return dag;
    }

    [Test]
    public void EventsOnAnAuthPathBetweenConflictedEventsAreIncludedWithTheEndpoints()
    {
        Assert.That(Subgraph(Chain(), "P4", "P1"), Is.EqualTo(new[] { "$P1", "$P2", "$P3", "$P4" }));
    }

    [Test]
    public void AncestorsBelowTheLowestConflictedEventAreNotIncluded()
    {
        // JA and the create event are in P4's auth chain but lead to no conflicted event.
        Assert.That(Subgraph(Chain(), "P4", "P2"), Is.EqualTo(new[] { "$P2", "$P3", "$P4" }));
    }

    [Test]
    public void SideBranchesOffThePathAreNotIncluded()
    {
        // S sits on P2 but no path from P4 to P1 passes through it; a path from S to P1 does.
        Assert.That(Subgraph(Chain(), "P4", "P1"), Does.Not.Contain("$S"));
        Assert.That(Subgraph(Chain(), "S", "P1"), Is.EqualTo(new[] { "$P1", "$P2", "$S" }));
    }

    [Test]
    public void UnrelatedConflictedEventsAddNothingButThemselves()
    {
        Assert.That(Subgraph(Chain(), "S", "P3"), Is.EqualTo(new[] { "$P3", "$S" }));
    }
}
