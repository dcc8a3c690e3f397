using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

public class MainlineOrderingTests
{
    /// <summary>Mainline P3 → P2 → P1; PB forks off P1. Topics hang off different points.</summary>
    private static AuthDagBuilder Room()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.PowerLevels("P1", Alice, $$"""{"{{Alice}}":100}""", "CREATE", "JA");
        dag.PowerLevels("P2", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":1}""", "CREATE", "JA", "P1");
        dag.PowerLevels("P3", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":2}""", "CREATE", "JA", "P2");
        dag.PowerLevels("PB", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":3}""", "CREATE", "JA", "P1");
        return dag;
    }

    private static string[] Sort(AuthDagBuilder dag, string mainlineTip, params string[] events)
    {
        var graph = dag.Graph();
        var tip = mainlineTip.Length == 0 ? AuthGraph.None : graph.IndexOf(Id(mainlineTip));
        var sorted = MainlineOrdering.Sort(graph, events.Select(n => graph.IndexOf(Id(n))).ToList(), tip);
        return sorted.Select(graph.IdOf).ToArray();
    }

    private static int PositionOf(AuthDagBuilder dag, string mainlineTip, string name)
    {
        var graph = dag.Graph();
        return new MainlinePositions(graph, graph.IndexOf(Id(mainlineTip))).Of(graph.IndexOf(Id(name)));
    }

    [Test]
    public void PositionIsTheIndexOfTheClosestPowerLevelsAncestorOnTheMainline()
    {
        var dag = Room();
        dag.Topic("T3", Alice, "CREATE", "JA", "P3");
        dag.Topic("T1", Alice, "CREATE", "JA", "P1");
        dag.Topic("TB", Alice, "CREATE", "JA", "PB");
        dag.Topic("T0", Alice, "CREATE", "JA");

        Assert.Multiple(() =>
        {
            Assert.That(PositionOf(dag, "P3", "T3"), Is.EqualTo(0));
            Assert.That(PositionOf(dag, "P3", "T1"), Is.EqualTo(2));
            Assert.That(PositionOf(dag, "P3", "TB"), Is.EqualTo(2), "PB is off the mainline; its parent P1 is on it");
            Assert.That(PositionOf(dag, "P3", "T0"), Is.EqualTo(MainlineOrdering.Unrelated));
        });
    }

    [Test]
    public void EventsBasedOnEarlierMainlineEventsComeFirstWhateverTheirTs()
    {
        var dag = Room();
        dag.Topic("LATE", Alice, "CREATE", "JA", "P3");
        dag.Add("EARLY", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P1"], ts: 1000);
        dag.Add("NONE", "m.room.topic", Alice, "", "{}", ["CREATE", "JA"], ts: 2000);

        Assert.That(Sort(dag, "P3", "LATE", "EARLY", "NONE"), Is.EqualTo(new[] { "$NONE", "$EARLY", "$LATE" }));
    }

    [Test]
    public void SamePositionFallsBackToTsThenEventId()
    {
        var dag = Room();
        dag.Add("C", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P2"], ts: 500);
        dag.Add("B", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P2"], ts: 400);
        dag.Add("A", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P2"], ts: 500);

        Assert.That(Sort(dag, "P3", "C", "A", "B"), Is.EqualTo(new[] { "$B", "$A", "$C" }));
    }

    [Test]
    public void WithoutResolvedPowerLevelsEverythingSortsByTsThenEventId()
    {
        var dag = Room();
        dag.Add("Y", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P3"], ts: 10);
        dag.Add("X", "m.room.topic", Alice, "", "{}", ["CREATE", "JA", "P1"], ts: 20);

        Assert.That(Sort(dag, "", "X", "Y"), Is.EqualTo(new[] { "$Y", "$X" }));
    }
}
