using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.StateResolution;

public class IterativeAuthChecksTests
{
    /// <summary>Alice created the room and gave Bob 50; Bob joined and set a topic; Alice then banned Bob.</summary>
    private static AuthDagBuilder Room()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.PowerLevels("PL", Alice, $$"""{"{{Alice}}":100,"{{Bob}}":50}""", "CREATE", "JA");
        dag.Add("JR", "m.room.join_rules", Alice, "", """{"join_rule":"public"}""", ["CREATE", "JA", "PL"]);
        dag.Member("JB", Bob, Bob, "join", "CREATE", "PL", "JR");
        dag.Topic("T", Bob, "CREATE", "PL", "JB");
        dag.Member("BAN", Alice, Bob, "ban", "CREATE", "JA", "PL", "JB");
        return dag;
    }

    private static Dictionary<(string Type, string StateKey), string> Apply(AuthDagBuilder dag, string[] initial,
        string[] events, string[]? rejected = null)
    {
        var graph = new AuthGraph(dag.Version, new InMemoryEventSource(dag.Events, rejected?.Select(Id)));
        var state = initial.Select(n => graph.IndexOf(Id(n)))
            .ToDictionary(i => graph[i].StateKeyTuple!.Value, i => i);
        IterativeAuthChecks.Apply(graph, state, events.Select(n => graph.IndexOf(Id(n))));
        return state.ToDictionary(e => e.Key, e => graph.IdOf(e.Value));
    }

    [Test]
    public void AllowedEventIsAppliedToTheState()
    {
        var state = Apply(Room(), ["CREATE", "JA", "PL", "JB"], ["T"]);

        Assert.That(state[("m.room.topic", "")], Is.EqualTo("$T"));
    }

    [Test]
    public void KeyMissingFromTheStateIsTakenFromTheEventsOwnAuthEvents()
    {
        // Neither Bob's membership nor anything else is in the state: T's own auth events stand in.
        var state = Apply(Room(), [], ["T"]);

        Assert.That(state[("m.room.topic", "")], Is.EqualTo("$T"));
    }

    [Test]
    public void StateTakesPrecedenceOverTheEventsAuthEvents()
    {
        // T cites Bob's join, but in the state being built Bob is banned.
        var state = Apply(Room(), ["CREATE", "JA", "PL", "BAN"], ["T"]);

        Assert.That(state.ContainsKey(("m.room.topic", "")), Is.False);
    }

    [Test]
    public void RefusedEventIsSkippedAndLaterEventsStillApply()
    {
        var state = Apply(Room(), ["CREATE", "JA", "PL"], ["BAN", "T", "JR"]);

        Assert.That(state.ContainsKey(("m.room.topic", "")), Is.False);
        Assert.That(state[("m.room.join_rules", "")], Is.EqualTo("$JR"));
    }

    [Test]
    public void RejectedAuthEventsAreNotUsed()
    {
        // Bob's join was rejected: neither the state's copy nor T's auth event may vouch for his membership.
        var state = Apply(Room(), ["CREATE", "JA", "PL", "JB"], ["T"], rejected: ["JB"]);

        Assert.That(state.ContainsKey(("m.room.topic", "")), Is.False);
    }
}
