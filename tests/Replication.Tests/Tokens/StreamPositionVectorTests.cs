using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>The position vector of a multi-writer stream: construction, lookups, advancing and merging.</summary>
public class StreamPositionVectorTests
{
    private static StreamPositionVector V(string text) => StreamPositionVector.Parse(text);

    [Test]
    public void CreateDropsWritersAtOrBelowTheMinimum()
    {
        var vector = StreamPositionVector.Create(10, new(1, 9), new(2, 10), new(3, 11));

        Assert.That(vector.WritersAhead.ToArray(), Is.EqualTo(new[] { new WriterPosition(3, 11) }));
        Assert.That(vector.ToString(), Is.EqualTo("m10~3.11"));
    }

    [Test]
    public void CreateListsWritersInAscendingIdOrder()
    {
        var vector = StreamPositionVector.Create(1, new(7, 4), new(2, 3), new(5, 9));

        Assert.That(vector.WritersAhead.ToArray().Select(entry => entry.WriterId), Is.EqualTo(new[] { 2, 5, 7 }));
    }

    [Test]
    public void CreateWithNoWriterAheadIsASinglePosition()
    {
        Assert.That(StreamPositionVector.Create(42, new WriterPosition(1, 40)), Is.EqualTo(StreamPositionVector.At(42)));
        Assert.That(StreamPositionVector.At(42).ToString(), Is.EqualTo("42"));
    }

    [Test]
    public void CreateRejectsTheSameWriterTwice() =>
        Assert.Throws<ArgumentException>(() => StreamPositionVector.Create(1, new(2, 5), new(2, 6)));

    [Test]
    public void CreateRejectsTheSameWriterTwiceEvenBelowTheMinimum() =>
        Assert.Throws<ArgumentException>(() => StreamPositionVector.Create(10, new(2, 5), new(2, 6)));

    [Test]
    public void CreateRejectsNegativeNumbers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamPositionVector.Create(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamPositionVector.Create(1, new WriterPosition(-2, 5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamPositionVector.Create(1, new WriterPosition(2, -5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => StreamPositionVector.At(-1));
    }

    [Test]
    public void FromWriterPositionsTakesTheLeastPositionAsTheMinimum()
    {
        var vector = StreamPositionVector.FromWriterPositions([new(1, 10), new(2, 12), new(3, 10)]);

        Assert.That(vector.Minimum, Is.EqualTo(10));
        Assert.That(vector.ToString(), Is.EqualTo("m10~2.12"));
    }

    [Test]
    public void FromWriterPositionsWithAllWritersLevelIsASinglePosition() =>
        Assert.That(StreamPositionVector.FromWriterPositions([new(1, 7), new(4, 7)]), Is.EqualTo(StreamPositionVector.At(7)));

    [Test]
    public void FromNoWriterPositionsIsZero() =>
        Assert.That(StreamPositionVector.FromWriterPositions([]), Is.SameAs(StreamPositionVector.Zero));

    [Test]
    public void UnlistedWriterIsAtTheMinimum()
    {
        var vector = V("m56~2.58~3.59");

        Assert.That(vector.PositionOf(2), Is.EqualTo(58));
        Assert.That(vector.PositionOf(3), Is.EqualTo(59));
        Assert.That(vector.PositionOf(1), Is.EqualTo(56));
        Assert.That(vector.PositionOf(77), Is.EqualTo(56));
    }

    [Test]
    public void MaximumIsTheFurthestWriter()
    {
        Assert.That(V("m56~2.58~3.59~9.57").Maximum, Is.EqualTo(59));
        Assert.That(V("56").Maximum, Is.EqualTo(56));
    }

    [TestCase(2, 58, true)]
    [TestCase(2, 59, false)]
    [TestCase(3, 59, true)]
    [TestCase(1, 56, true)]
    [TestCase(1, 57, false)]
    public void CoversRowsAtOrBelowTheirWritersPosition(int writer, long position, bool covered) =>
        Assert.That(V("m56~2.58~3.59").Covers(writer, position), Is.EqualTo(covered));

    [Test]
    public void TokenMintedBeforeAWriterWasAddedPlacesThatWriterAtItsMinimum()
    {
        // Writers 1 and 2 existed when the token was minted; writer 3 joined later and wrote at 57.
        var token = V("m56~1.60");

        Assert.That(token.Covers(3, 57), Is.False, "the new writer's rows are after the token");
        Assert.That(token.Covers(3, 56), Is.True);
    }

    [Test]
    public void WithAdvancedMovesOneWriterForward()
    {
        var vector = V("m56~2.58~3.59").WithAdvanced(2, 70);

        Assert.That(vector.ToString(), Is.EqualTo("m56~2.70~3.59"));
    }

    [Test]
    public void WithAdvancedInsertsANewWriterInIdOrder() =>
        Assert.That(V("m56~2.58~9.59").WithAdvanced(5, 60).ToString(), Is.EqualTo("m56~2.58~5.60~9.59"));

    [Test]
    public void WithAdvancedNeverMovesAWriterBack()
    {
        var vector = V("m56~2.58");

        Assert.That(vector.WithAdvanced(2, 57), Is.SameAs(vector));
        Assert.That(vector.WithAdvanced(4, 56), Is.SameAs(vector));
    }

    [Test]
    public void MaxTakesTheLargerMinimumAndDropsWritersItPasses()
    {
        // Writer 3 is at 6 in one and at the minimum 7 in the other: 7, which the new minimum covers.
        var merged = StreamPositionVector.Max(V("m5~2.9~3.6"), V("m7~4.8"));

        Assert.That(merged.ToString(), Is.EqualTo("m7~2.9~4.8"));
    }

    [Test]
    public void MaxOfOrderedVectorsIsTheLaterOne()
    {
        var earlier = V("m5~2.7");
        var later = V("m6~2.9");

        Assert.That(StreamPositionVector.Max(earlier, later), Is.SameAs(later));
        Assert.That(StreamPositionVector.Max(later, earlier), Is.SameAs(later));
    }

    [Test]
    public void MinTakesTheSmallerMinimumAndEachWritersSmallerPosition()
    {
        var common = StreamPositionVector.Min(V("m5~2.9~3.6"), V("m7~4.8"));

        Assert.That(common.ToString(), Is.EqualTo("m5~2.7~3.6"));
    }

    [Test]
    public void VectorsMeaningTheSamePositionsAreEqual()
    {
        var a = StreamPositionVector.Create(5, new(3, 8), new(1, 2), new(2, 7));
        var b = StreamPositionVector.Create(5, new(2, 7), new(3, 8));

        Assert.That(a, Is.EqualTo(b));
        Assert.That(a == b, Is.True);
        Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
    }

    [Test]
    public void VectorsWithDifferentPositionsAreNotEqual()
    {
        Assert.That(V("m5~2.7"), Is.Not.EqualTo(V("m5~2.8")));
        Assert.That(V("m5~2.7"), Is.Not.EqualTo(V("m5~3.7")));
        Assert.That(V("m5~2.7"), Is.Not.EqualTo(V("m6~2.7")));
        Assert.That(V("5") != V("6"), Is.True);
    }

    public static IEnumerable<TestCaseData> ComparisonTable()
    {
        yield return Row("5", "5", VectorOrdering.Equal, "same single position");
        yield return Row("5", "6", VectorOrdering.Before, "single positions compare as numbers");
        yield return Row("6", "5", VectorOrdering.After, "single positions compare as numbers, reversed");
        yield return Row("0", "m0~1.1", VectorOrdering.Before, "one writer ahead of an equal minimum");
        yield return Row("m5~2.7", "7", VectorOrdering.Before, "a writer ahead of the minimum but not past the other vector");
        yield return Row("7", "m5~2.7", VectorOrdering.After, "the same, reversed");
        yield return Row("m5~2.7", "m5~2.8", VectorOrdering.Before, "the same writer further on");
        yield return Row("m5~2.7", "m6~2.7", VectorOrdering.Before, "the unlisted writers further on");
        yield return Row("m5~2.7", "m5~3.7", VectorOrdering.Concurrent, "different writers ahead");
        yield return Row("m5~2.9", "8", VectorOrdering.Concurrent, "one writer past a minimum the others have not reached");
        yield return Row("m5~2.7~3.9", "m6~3.9", VectorOrdering.Concurrent, "unlisted writers behind, writer 2 ahead");
        yield return Row("m5~2.7~3.9", "m7~3.9", VectorOrdering.Before, "writer 2 caught up by the other minimum");
        yield return Row("m5~99.6", "5", VectorOrdering.After, "an entry for an unknown writer still counts");
        yield return Row("m5~2.7", "m5~2.7~3.6", VectorOrdering.Before, "a writer listed only in the later vector");
    }

    private static TestCaseData Row(string left, string right, VectorOrdering expected, string why) =>
        new TestCaseData(left, right, expected).SetName($"{left} vs {right} is {expected}: {why}");

    [TestCaseSource(nameof(ComparisonTable))]
    public void ComparesAsAPartialOrder(string left, string right, VectorOrdering expected)
    {
        var a = V(left);
        var b = V(right);

        Assert.That(a.CompareWith(b), Is.EqualTo(expected));
        Assert.That(a.IsBeforeOrEqual(b), Is.EqualTo(expected is VectorOrdering.Equal or VectorOrdering.Before));
        Assert.That(a.IsAfter(b), Is.EqualTo(expected == VectorOrdering.After));
    }
}
