using Versions = Cluster.Shared.RoomVersions.RoomVersions;
using Cluster.Shared.StateResolution;
using Cluster.Shared.Tests.Support;
using static Cluster.Shared.Tests.StateResolution.AuthDagBuilder;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>What the resolver does with input it cannot or need not resolve.</summary>
public class StateResolverInputTests
{
    private static Dictionary<(string Type, string StateKey), string> Map(params (string Type, string StateKey, string Id)[] entries) =>
        entries.ToDictionary(e => (e.Type, e.StateKey), e => e.Id);

    [Test]
    public void RoomVersion1IsRefusedWithATypedError()
    {
        var ex = Assert.Throws<UnsupportedStateResolutionException>(() =>
            StateResolver.Resolve(Versions.V1, [Map(), Map()], new InMemoryEventSource([])));

        Assert.That(ex!.Version, Is.SameAs(Versions.V1));
        Assert.That(ex.Message, Does.Contain("Room version 1").And.Contain("not supported"));
    }

    [Test]
    public void UnconflictedOnlyInputIsReturnedUnchanged()
    {
        var state = Map(("m.room.create", "", "$CREATE"), ("m.room.member", Alice, "$JA"), ("m.room.topic", "", "$T"));

        // Nothing is conflicted, so nothing needs loading: the empty source proves no event was consulted.
        var resolved = StateResolver.Resolve(Versions.V10, [state, new Dictionary<(string Type, string StateKey), string>(state), new Dictionary<(string Type, string StateKey), string>(state)], new InMemoryEventSource([]));

        Assert.That(resolved, Is.EquivalentTo(state));
    }

    [Test]
    public void NoStateSetsResolveToAnEmptyState()
    {
        Assert.That(StateResolver.Resolve(Versions.V10, [], new InMemoryEventSource([])), Is.Empty);
    }

    [Test]
    public void AStateSetNamingAnUnknownEventIsAMissingEventError()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();

        var ex = Assert.Throws<MissingEventException>(() => StateResolver.Resolve(Versions.V10,
            [Map(("m.room.create", "", "$CREATE"), ("m.room.topic", "", "$GHOST")), Map(("m.room.create", "", "$CREATE"))],
            dag.Source()));

        Assert.That(ex!.EventId, Is.EqualTo("$GHOST"));
        Assert.That(ex.ReferencedBy, Is.Null);
    }

    [Test]
    public void AnAuthEventMissingFromTheSourceIsAMissingEventErrorNamingItsCiter()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Topic("T", Alice, "CREATE", "LOST");

        var ex = Assert.Throws<MissingEventException>(() => StateResolver.Resolve(Versions.V10,
            [Map(("m.room.create", "", "$CREATE"), ("m.room.topic", "", "$T")), Map(("m.room.create", "", "$CREATE"))],
            dag.Source()));

        Assert.That(ex!.EventId, Is.EqualTo("$LOST"));
        Assert.That(ex.ReferencedBy, Is.EqualTo("$T"));
    }

    [Test]
    public void AnEventFiledUnderAnotherKeyIsRefused()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        dag.Topic("T", Alice, "CREATE");

        Assert.Throws<InvalidStateResolutionInputException>(() => StateResolver.Resolve(Versions.V10,
            [Map(("m.room.name", "", "$T")), Map()], dag.Source()));
    }

    [Test]
    public void EventsFromAnotherRoomAreRefused()
    {
        var dag = new AuthDagBuilder(Versions.V10);
        dag.Create();
        var stranger = TestPdu.Make(Versions.V10, "$OTHER", "m.room.topic", Alice, "", "{}",
            authEvents: ["$CREATE"], roomId: "!elsewhere:example.org");
        var source = new InMemoryEventSource([.. dag.Events, stranger]);

        Assert.Throws<InvalidStateResolutionInputException>(() => StateResolver.Resolve(Versions.V10,
            [Map(("m.room.create", "", "$CREATE"), ("m.room.topic", "", "$OTHER")), Map(("m.room.create", "", "$CREATE"))],
            source));
    }
}
