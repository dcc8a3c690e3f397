using System.Text;
using Cluster.Replication.Tokens;
using CsCheck;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>Room stream tokens: the live forms <c>s</c> and <c>m</c>, and the topological form <c>t</c> of /messages.</summary>
public class RoomStreamTokenTests
{
    [Test]
    public void SingleFormIsOnePositionForEveryWriter()
    {
        var token = RoomStreamToken.Parse("s2633508");

        Assert.That(token, Is.TypeOf<LiveRoomStreamToken>());
        Assert.That(((LiveRoomStreamToken)token).Positions, Is.EqualTo(StreamPositionVector.At(2633508)));
    }

    [Test]
    public void MultiWriterFormListsTheWritersAheadOfTheMinimum()
    {
        var positions = ((LiveRoomStreamToken)RoomStreamToken.Parse("m56~2.58~3.59")).Positions;

        Assert.That(positions.Minimum, Is.EqualTo(56));
        Assert.That(positions.WritersAhead.ToArray(), Is.EqualTo(new[] { new WriterPosition(2, 58), new WriterPosition(3, 59) }));
    }

    [Test]
    public void TopologicalFormIsDepthThenStreamPosition()
    {
        var token = (TopologicalRoomStreamToken)RoomStreamToken.Parse("t426-2633508");

        Assert.That(token.Depth, Is.EqualTo(426));
        Assert.That(token.Stream, Is.EqualTo(2633508));
    }

    [TestCase("s0")]
    [TestCase("s2633508")]
    [TestCase("s9223372036854775807")]
    [TestCase("m56~2.58~3.59")]
    [TestCase("m0~0.1")]
    [TestCase("m56~2147483647.57")]
    [TestCase("t0-0")]
    [TestCase("t426-2633508")]
    [TestCase("t9223372036854775807-9223372036854775807")]
    public void FormatsBackToTheTextItWasParsedFrom(string text) =>
        Assert.That(RoomStreamToken.Parse(text).ToString(), Is.EqualTo(text));

    [Test]
    public void LiveTokenWithNoWriterAheadFormatsAsSingleForm() =>
        Assert.That(new LiveRoomStreamToken(StreamPositionVector.Create(56, new WriterPosition(2, 50))).ToString(), Is.EqualTo("s56"));

    [Test]
    public void LiveParseRefusesTopologicalToken()
    {
        Assert.That(LiveRoomStreamToken.TryParse("t426-2633508", out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(TokenError.TopologicalNotAllowed));
    }

    [Test]
    public void LiveAndTopologicalTokensAreNeverEqual()
    {
        RoomStreamToken live = LiveRoomStreamToken.Parse("s5");
        RoomStreamToken topological = new TopologicalRoomStreamToken(0, 5);

        Assert.That(live, Is.Not.EqualTo(topological));
        Assert.That(live == topological, Is.False);
    }

    [Test]
    public void EqualTokensHaveEqualHashCodes()
    {
        var built = new LiveRoomStreamToken(StreamPositionVector.Create(5, new WriterPosition(2, 7)));
        Assert.That(RoomStreamToken.Parse("m5~2.7"), Is.EqualTo(built));
        Assert.That(RoomStreamToken.Parse("m5~2.7").GetHashCode(), Is.EqualTo(built.GetHashCode()));
        Assert.That(RoomStreamToken.Parse("t3-9"), Is.EqualTo(new TopologicalRoomStreamToken(3, 9)));
    }

    [TestCase("t3-10", "t4-1", -1, TestName = "Deeper events come later whatever their stream position")]
    [TestCase("t3-10", "t3-11", -1, TestName = "At the same depth the stream position decides")]
    [TestCase("t3-10", "t3-10", 0, TestName = "Same depth and position are the same place")]
    [TestCase("t5-1", "t3-99", 1, TestName = "Shallower events come earlier")]
    public void TopologicalTokensOrderByDepthThenStream(string left, string right, int expected)
    {
        var a = (TopologicalRoomStreamToken)RoomStreamToken.Parse(left);
        var b = (TopologicalRoomStreamToken)RoomStreamToken.Parse(right);

        Assert.That(Math.Sign(a.CompareTo(b)), Is.EqualTo(expected));
        Assert.That(a < b, Is.EqualTo(expected < 0));
        Assert.That(a >= b, Is.EqualTo(expected >= 0));
    }

    [Test]
    public void MaxOfLiveTokensIsEachWritersLargerPosition()
    {
        var merged = LiveRoomStreamToken.Max(LiveRoomStreamToken.Parse("m5~2.9~3.6"), LiveRoomStreamToken.Parse("m7~4.8"));

        Assert.That(merged.ToString(), Is.EqualTo("m7~2.9~4.8"));
    }

    [Test]
    public void LiveTokensCompareByTheirVectors()
    {
        Assert.That(LiveRoomStreamToken.Parse("s5").CompareWith(LiveRoomStreamToken.Parse("m5~2.7")), Is.EqualTo(VectorOrdering.Before));
        Assert.That(LiveRoomStreamToken.Parse("m5~3.6").IsBeforeOrEqual(LiveRoomStreamToken.Parse("m5~2.7")), Is.False);
    }

    [Test]
    public void TopologicalTokenRejectsNegativeNumbers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TopologicalRoomStreamToken(-1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TopologicalRoomStreamToken(1, -5));
    }

    [Test]
    public void LiveTokensRoundTrip() =>
        TokenGen.AnyVector.Sample(vector =>
        {
            var text = new LiveRoomStreamToken(vector).ToString();
            return RoomStreamToken.Parse(text).Equals(new LiveRoomStreamToken(vector)) && LiveRoomStreamToken.Parse(text).Positions.Equals(vector);
        }, iter: 2000);

    [Test]
    public void TopologicalTokensRoundTrip() =>
        Gen.Select(Gen.Long[0, long.MaxValue], Gen.Long[0, long.MaxValue]).Sample((depth, stream) =>
            RoomStreamToken.Parse(new TopologicalRoomStreamToken(depth, stream).ToString()).Equals(new TopologicalRoomStreamToken(depth, stream)),
            iter: 2000);

    /// <summary>
    /// Eight event persisters, at most two of them ahead of the rest, at the 10-12 digit positions of a busy
    /// server: the token stays under 64 bytes.
    /// </summary>
    [Test]
    public void TokenWithEightWritersOfWhichTwoAreAheadStaysUnder64Bytes() =>
        Gen.Select(Gen.Long[1_000_000_000, 999_999_999_999], Gen.Int[0, 2], Gen.Long[1, 1_000_000].Array[8], Gen.Shuffle(Enumerable.Range(1, 8).ToArray()))
            .Sample((minimum, ahead, offsets, writers) =>
            {
                var positions = writers.Select((writer, i) => new WriterPosition(writer, i < ahead ? minimum + offsets[i] : minimum));
                var text = new LiveRoomStreamToken(StreamPositionVector.FromWriterPositions(positions)).ToString();
                return Encoding.UTF8.GetByteCount(text) < 64;
            }, iter: 2000);

    [Test]
    public void WorstCaseOfThatShapeIsFortyThreeBytes()
    {
        const long twelveDigits = 999_999_000_000;
        var positions = Enumerable.Range(1, 8).Select(writer => new WriterPosition(writer, writer <= 2 ? twelveDigits + 999_999 : twelveDigits));
        var text = new LiveRoomStreamToken(StreamPositionVector.FromWriterPositions(positions)).ToString();

        Assert.That(text, Is.EqualTo("m999999000000~1.999999999999~2.999999999999"));
        Assert.That(text, Has.Length.EqualTo(43));
    }
}
