using Cluster.Replication.Tokens;
using CsCheck;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>The composite /sync token: its format, compatibility with older and newer tokens, and comparison.</summary>
public class SyncTokenTests
{
    private static StreamPositionVector V(string text) => StreamPositionVector.Parse(text);

    private static readonly SyncToken Example = new(
        events: V("1042"), accountData: V("7"), receipts: V("m311~2.315"), toDevice: V("12"),
        typing: V("0"), presence: V("88"), deviceLists: V("19"), pushRules: V("3"));

    [Test]
    public void FormatsEveryStreamInItsFixedOrder() =>
        Assert.That(Example.ToString(), Is.EqualTo("s1042_7_m311~2.315_12_0_88_19_3"));

    [Test]
    public void EventsFieldIsALiveRoomStreamToken()
    {
        var token = Example.With(SyncStream.Events, V("m1042~1.1050~4.1044"));

        Assert.That(token.ToString(), Does.StartWith("m1042~1.1050~4.1044_7_"));
        Assert.That(token.EventsToken.ToString(), Is.EqualTo("m1042~1.1050~4.1044"));
        Assert.That(token.ToString().Split('_')[0], Is.EqualTo(token.EventsToken.ToString()));
    }

    [Test]
    public void StartIsZeroInEveryStream()
    {
        Assert.That(SyncToken.Start.ToString(), Is.EqualTo("s0_0_0_0_0_0_0_0"));
        Assert.That(SyncToken.Parse("s0_0_0_0_0_0_0_0"), Is.EqualTo(SyncToken.Start));
    }

    [Test]
    public void ParsesTheFieldsIntoTheirStreams()
    {
        var token = SyncToken.Parse("s1042_7_m311~2.315_12_0_88_19_3");

        Assert.That(token, Is.EqualTo(Example));
        Assert.That(token.Receipts.PositionOf(2), Is.EqualTo(315));
        Assert.That(token[SyncStream.Presence], Is.EqualTo(StreamPositionVector.At(88)));
        Assert.That(token.PushRules, Is.EqualTo(StreamPositionVector.At(3)));
    }

    [Test]
    public void ParsingTheFormattedTextGivesTheSameToken() =>
        TokenGen.SyncToken.Sample(token => SyncToken.Parse(token.ToString()).Equals(token), iter: 2000);

    [Test]
    public void TextNeedsNoEscapingInAQueryString() =>
        TokenGen.SyncToken.Sample(token =>
        {
            var text = token.ToString();
            return Uri.EscapeDataString(text) == text && text.All(c => char.IsAsciiDigit(c) || c is 's' or 'm' or '_' or '~' or '.');
        }, iter: 2000);

    [Test]
    public void OlderTokenWithFewerFieldsReadsTheMissingStreamsAsZero()
    {
        var token = SyncToken.Parse("s1042_7_m311~2.315");

        Assert.That(token, Is.EqualTo(new SyncToken(events: V("1042"), accountData: V("7"), receipts: V("m311~2.315"))));
        Assert.That(token.ToDevice, Is.EqualTo(StreamPositionVector.Zero));
        Assert.That(token.PushRules, Is.EqualTo(StreamPositionVector.Zero));
        Assert.That(token.ToString(), Is.EqualTo("s1042_7_m311~2.315_0_0_0_0_0"));
    }

    [Test]
    public void TokenOfTheEventsFieldAloneIsAccepted() =>
        Assert.That(SyncToken.Parse("s1042"), Is.EqualTo(new SyncToken(events: V("1042"))));

    [Test]
    public void OlderTokenComparesAsBeforeTheCurrentPositionOfAStreamItLacked()
    {
        var older = SyncToken.Parse("s1042_7");
        var current = Example;

        Assert.That(older.IsBeforeOrEqual(current), Is.True);
        Assert.That(older.CompareWith(current), Is.EqualTo(VectorOrdering.Before));
    }

    [Test]
    public void NewerTokenWithMoreFieldsIsAcceptedAndTheExtraFieldsDropped()
    {
        var token = SyncToken.Parse("s1042_7_m311~2.315_12_0_88_19_3_55_m9~1.10");

        Assert.That(token, Is.EqualTo(Example));
        Assert.That(token.ToString(), Is.EqualTo("s1042_7_m311~2.315_12_0_88_19_3"));
    }

    [Test]
    public void EntryForAnUnknownWriterIsKeptUntilTheMinimumPassesIt()
    {
        // Writer 42 has since been removed (or never existed): its entry only ever matches its own rows.
        var token = SyncToken.Parse("m100~42.150_0");
        Assert.That(token.Events.PositionOf(42), Is.EqualTo(150));
        Assert.That(token.ToString(), Does.StartWith("m100~42.150_"));

        var current = new SyncToken(events: V("m120~1.125"));
        var merged = SyncToken.Max(token, current);
        Assert.That(merged.Events.ToString(), Is.EqualTo("m120~1.125~42.150"));

        var later = SyncToken.Max(merged, new SyncToken(events: V("200")));
        Assert.That(later.Events.ToString(), Is.EqualTo("200"));
    }

    [Test]
    public void EntryForAnUnknownWriterDoesNotHideOtherWritersRows()
    {
        var token = SyncToken.Parse("m100~42.150_0");

        Assert.That(token.Events.Covers(1, 101), Is.False);
        Assert.That(token.Events.Covers(1, 100), Is.True);
    }

    [Test]
    public void WithAdvancedMovesOneWriterOfOneStream()
    {
        var token = Example.WithAdvanced(SyncStream.Receipts, 2, 400).WithAdvanced(SyncStream.Receipts, 5, 312);

        Assert.That(token.Receipts.ToString(), Is.EqualTo("m311~2.400~5.312"));
        Assert.That(token.With(SyncStream.Receipts, Example.Receipts), Is.EqualTo(Example));
        Assert.That(Example.WithAdvanced(SyncStream.Typing, 1, 0), Is.SameAs(Example), "never moves back");
    }

    [Test]
    public void MaxIsStreamByStream() =>
        Gen.Select(TokenGen.SyncToken, TokenGen.SyncToken).Sample((a, b) =>
        {
            var merged = SyncToken.Max(a, b);
            return Enum.GetValues<SyncStream>().All(s => merged[s].Equals(StreamPositionVector.Max(a[s], b[s])))
                && a.IsBeforeOrEqual(merged) && b.IsBeforeOrEqual(merged);
        }, iter: 1000);

    [Test]
    public void MaxOfOrderedTokensIsTheLaterOne()
    {
        var later = Example.WithAdvanced(SyncStream.Events, 2, 2000);

        Assert.That(SyncToken.Max(Example, later), Is.SameAs(later));
        Assert.That(SyncToken.Max(later, Example), Is.SameAs(later));
    }

    [Test]
    public void IsBeforeOrEqualRequiresEveryStream() =>
        Gen.Select(TokenGen.SyncToken, TokenGen.SyncToken).Sample((a, b) =>
            a.IsBeforeOrEqual(b) == Enum.GetValues<SyncStream>().All(s => a[s].IsBeforeOrEqual(b[s])), iter: 1000);

    [Test]
    public void OneStreamAheadAndAnotherBehindIsConcurrent()
    {
        var a = new SyncToken(events: V("10"), typing: V("5"));
        var b = new SyncToken(events: V("11"), typing: V("4"));

        Assert.That(a.CompareWith(b), Is.EqualTo(VectorOrdering.Concurrent));
        Assert.That(a.IsBeforeOrEqual(b), Is.False);
        Assert.That(b.IsBeforeOrEqual(a), Is.False);
    }

    [Test]
    public void EqualTokensHaveEqualHashCodes()
    {
        var parsed = SyncToken.Parse(Example.ToString());

        Assert.That(parsed == Example, Is.True);
        Assert.That(parsed.GetHashCode(), Is.EqualTo(Example.GetHashCode()));
        Assert.That(parsed != Example.WithAdvanced(SyncStream.Typing, 1, 1), Is.True);
    }

    [Test]
    public void StreamOutsideTheTokenIsAnArgumentError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = Example[(SyncStream)SyncStreams.Count]);

    [Test]
    public void CountMatchesTheStreams() =>
        Assert.That(Enum.GetValues<SyncStream>().Select(s => (int)s), Is.EqualTo(Enumerable.Range(0, SyncStreams.Count)));

    /// <summary>Pins the claim behind <see cref="TokenLimits.MaxLength"/>.</summary>
    [Test]
    public void LargestPlausibleTokenFitsTheLengthLimit()
    {
        var crowded = StreamPositionVector.Create(long.MaxValue - 100,
            Enumerable.Range(984, 16).Select(writer => new WriterPosition(writer, long.MaxValue - 999 + writer)));
        var token = new SyncToken(crowded, crowded, crowded, crowded, crowded, crowded, crowded, crowded);

        Assert.That(token.ToString(), Has.Length.LessThanOrEqualTo(TokenLimits.MaxLength));
        Assert.That(SyncToken.Parse(token.ToString()), Is.EqualTo(token));
    }
}
