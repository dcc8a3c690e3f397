using Cluster.Shared.StateResolution;

namespace Cluster.Shared.Tests.StateResolution;

public class StateSetSplitTests
{
    private static Dictionary<(string Type, string StateKey), string> Map(params (string Type, string StateKey, string Id)[] entries) =>
        entries.ToDictionary(e => (e.Type, e.StateKey), e => e.Id);

    [Test]
    public void KeyWithTheSameEventInEverySetIsUnconflicted()
    {
        var split = StateSetSplit.Of([Map(("m.room.topic", "", "$t")), Map(("m.room.topic", "", "$t"))]);

        Assert.That(split.Unconflicted, Is.EquivalentTo(Map(("m.room.topic", "", "$t"))));
        Assert.That(split.Conflicted, Is.Empty);
    }

    [Test]
    public void KeyWithDifferentEventsIsConflictedWithEachCandidateOnce()
    {
        var split = StateSetSplit.Of([
            Map(("m.room.topic", "", "$t1")), Map(("m.room.topic", "", "$t2")), Map(("m.room.topic", "", "$t1"))]);

        Assert.That(split.Unconflicted, Is.Empty);
        Assert.That(split.Conflicted[("m.room.topic", "")], Is.EqualTo(new[] { "$t1", "$t2" }));
    }

    [Test]
    public void KeyMissingFromOneSetIsConflicted()
    {
        var split = StateSetSplit.Of([Map(("m.room.name", "", "$n")), Map()]);

        Assert.That(split.Unconflicted, Is.Empty);
        Assert.That(split.Conflicted[("m.room.name", "")], Is.EqualTo(new[] { "$n" }));
    }

    [Test]
    public void NoStateSetsGiveNothing()
    {
        var split = StateSetSplit.Of([]);

        Assert.That(split.Unconflicted, Is.Empty);
        Assert.That(split.Conflicted, Is.Empty);
    }
}
