using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

public class SenderPowerLevelsTests
{
    private static long PowerOf(AuthDagBuilder dag, string name)
    {
        var graph = dag.Graph();
        return new SenderPowerLevels(graph).Of(graph.IndexOf(Id(name)));
    }

    [Test]
    public void SenderLevelComesFromThePowerLevelsAuthEvent()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Add("PL", "m.room.power_levels", Alice, "", $$"""{"users":{"{{Bob}}":42},"users_default":7}""", ["CREATE"]);
        dag.Topic("BT", Bob, "CREATE", "PL");
        dag.Topic("CT", Charlie, "CREATE", "PL");

        Assert.That(PowerOf(dag, "BT"), Is.EqualTo(42));
        Assert.That(PowerOf(dag, "CT"), Is.EqualTo(7), "users_default for users not listed");
    }

    [Test]
    public void WithoutPowerLevelsTheCreatorHas100AndOthersZero()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.Member("JB", Bob, Bob, "join", "CREATE");

        Assert.That(PowerOf(dag, "JA"), Is.EqualTo(100));
        Assert.That(PowerOf(dag, "JB"), Is.EqualTo(0));
    }

    [Test]
    public void BeforeVersion11TheCreatorIsContentCreatorNotTheSender()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Add("CREATE", "m.room.create", Alice, "", $$"""{"creator":"{{Bob}}"}""");
        dag.Member("JA", Alice, Alice, "join", "CREATE");
        dag.Member("JB", Bob, Bob, "join", "CREATE");

        Assert.That(PowerOf(dag, "JA"), Is.EqualTo(0));
        Assert.That(PowerOf(dag, "JB"), Is.EqualTo(100));
    }

    [Test]
    public void InVersion12CreatorsOutrankAnyPowerLevel()
    {
        var dag = new AuthDagBuilder(Versions.V12);
        dag.Add("CREATE", "m.room.create", Alice, "", $$"""{"additional_creators":["{{Bob}}"]}""");
        dag.Add("PL", "m.room.power_levels", Alice, "", $$"""{"users":{"{{Charlie}}":9007199254740991} }""");
        dag.Topic("AT", Alice, "PL");
        dag.Topic("BT", Bob, "PL");
        dag.Topic("CT", Charlie, "PL");

        Assert.That(PowerOf(dag, "AT"), Is.EqualTo(SenderPowerLevels.Creator), "the create event is an implicit auth event");
        Assert.That(PowerOf(dag, "BT"), Is.EqualTo(SenderPowerLevels.Creator), "additional creators count too");
        Assert.That(PowerOf(dag, "CT"), Is.EqualTo(9007199254740991));
    }

    [Test]
    public void StringLevelsAreReadBeforeVersion10()
    {
        var dag = new AuthDagBuilder(Versions.V9);
        dag.Create();
        dag.Add("PL", "m.room.power_levels", Alice, "", $$"""{"users":{"{{Bob}}":" +050 "} }""", ["CREATE"]);
        dag.Topic("BT", Bob, "CREATE", "PL");

        Assert.That(PowerOf(dag, "BT"), Is.EqualTo(50));
    }
}
