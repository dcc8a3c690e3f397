using Cluster.Replication.Tokens;

namespace Cluster.Replication.Tests.Tokens;

/// <summary>
/// Malformed or forged tokens are refused with a reason (TryParse) or an <see cref="InvalidTokenException"/>
/// (Parse), which the HTTP layer turns into 400 M_INVALID_PARAM; nothing else ever escapes.
/// </summary>
public class MalformedTokenTests
{
    private static readonly string Huge = "s" + new string('1', TokenLimits.MaxLength);

    public static IEnumerable<TestCaseData> MalformedRoomTokens()
    {
        yield return Case(null, TokenError.Null, "missing");
        yield return Case("", TokenError.Empty, "empty");
        yield return Case(Huge, TokenError.TooLong, "longer than the limit");
        yield return Case("x5", TokenError.UnknownForm, "unknown prefix");
        yield return Case("S5", TokenError.UnknownForm, "upper-case prefix");
        yield return Case("5", TokenError.UnknownForm, "bare number without a prefix");
        yield return Case(" s5", TokenError.UnknownForm, "leading whitespace");
        yield return Case("+5", TokenError.UnknownForm, "leading plus");
        yield return Case("s", TokenError.MissingNumber, "prefix alone");
        yield return Case("s-5", TokenError.InvalidCharacter, "negative position");
        yield return Case("s+5", TokenError.InvalidCharacter, "plus sign");
        yield return Case("s 5", TokenError.InvalidCharacter, "whitespace before the number");
        yield return Case("s5 ", TokenError.InvalidCharacter, "trailing whitespace");
        yield return Case("s5\n", TokenError.InvalidCharacter, "trailing newline");
        yield return Case("s\u0663", TokenError.InvalidCharacter, "Arabic-Indic digit");
        yield return Case("s\uff15", TokenError.InvalidCharacter, "full-width digit");
        yield return Case("s5x", TokenError.InvalidCharacter, "letter after the number");
        yield return Case("s1e5", TokenError.InvalidCharacter, "exponent");
        yield return Case("s0x1F", TokenError.InvalidCharacter, "hexadecimal");
        yield return Case("s05", TokenError.LeadingZero, "leading zero");
        yield return Case("s00", TokenError.LeadingZero, "zero written twice");
        yield return Case("s9223372036854775808", TokenError.NumberTooLarge, "one past long.MaxValue");
        yield return Case("s99999999999999999999999999", TokenError.NumberTooLarge, "far past long.MaxValue");
        yield return Case("s5~2.7", TokenError.InvalidCharacter, "writers after the single form");
        yield return Case("s5_1", TokenError.InvalidCharacter, "a sync token where a room token is expected");
        yield return Case("t5", TokenError.Truncated, "topological without a stream position");
        yield return Case("t5-", TokenError.MissingNumber, "topological with an empty stream position");
        yield return Case("t-5", TokenError.InvalidCharacter, "negative depth");
        yield return Case("t5--3", TokenError.InvalidCharacter, "negative stream position");
        yield return Case("t5-3-2", TokenError.InvalidCharacter, "three parts");
        yield return Case("t5.3", TokenError.InvalidCharacter, "wrong separator");
        yield return Case("t05-3", TokenError.LeadingZero, "leading zero in the depth");
        yield return Case("t5-9223372036854775808", TokenError.NumberTooLarge, "stream position past long.MaxValue");
        yield return Case("m5", TokenError.MissingWriters, "multi-writer form with no writers");
        yield return Case("m", TokenError.MissingNumber, "multi-writer prefix alone");
        yield return Case("m~2.7", TokenError.MissingNumber, "no minimum");
        yield return Case("m5~", TokenError.MissingNumber, "empty writer entry at the end");
        yield return Case("m5~~2.7", TokenError.MissingNumber, "empty writer entry");
        yield return Case("m5~2", TokenError.Truncated, "writer without a position");
        yield return Case("m5~2.", TokenError.MissingNumber, "writer with an empty position");
        yield return Case("m5~.7", TokenError.MissingNumber, "position without a writer");
        yield return Case("m5~2.7~", TokenError.MissingNumber, "trailing entry separator");
        yield return Case("m5~2.7.8", TokenError.InvalidCharacter, "a writer entry with three parts");
        yield return Case("m5~2.7x", TokenError.InvalidCharacter, "letter after a position");
        yield return Case("m5~-2.7", TokenError.InvalidCharacter, "negative writer ID");
        yield return Case("m5~2.-7", TokenError.InvalidCharacter, "negative writer position");
        yield return Case("m-5~2.7", TokenError.InvalidCharacter, "negative minimum");
        yield return Case("m5~02.7", TokenError.LeadingZero, "leading zero in a writer ID");
        yield return Case("m5~2.07", TokenError.LeadingZero, "leading zero in a writer position");
        yield return Case("m5~2147483648.7", TokenError.NumberTooLarge, "writer ID past int.MaxValue");
        yield return Case("m5~2.9223372036854775808", TokenError.NumberTooLarge, "writer position past long.MaxValue");
        yield return Case("m5~2.7~2.8", TokenError.DuplicateWriter, "duplicate writer");
        yield return Case("m5~3.7~2.8", TokenError.WritersOutOfOrder, "writers not in ascending order");
        yield return Case("m5~2.7~3.8~1.9", TokenError.WritersOutOfOrder, "last writer out of order");
        yield return Case("m5~2.5", TokenError.WriterNotAheadOfMinimum, "writer at the minimum");
        yield return Case("m5~2.4", TokenError.WriterNotAheadOfMinimum, "writer below the minimum");
        yield return Case("m5~2.7~3.1", TokenError.WriterNotAheadOfMinimum, "second writer below the minimum");
        yield return Case("m5 ~2.7", TokenError.InvalidCharacter, "whitespace inside");
    }

    private static TestCaseData Case(string? text, TokenError expected, string what) =>
        new TestCaseData(text, expected).SetName($"Room token: {what} is {expected}");

    [TestCaseSource(nameof(MalformedRoomTokens))]
    public void RoomTokenIsRefusedWithItsReason(string? text, TokenError expected)
    {
        Assert.That(RoomStreamToken.TryParse(text, out var token, out var error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
        Assert.That(token, Is.Null);

        var thrown = Assert.Throws<InvalidTokenException>(() => RoomStreamToken.Parse(text));
        Assert.That(thrown!.Error, Is.EqualTo(expected));
        Assert.That(thrown.Kind, Is.EqualTo(TokenKind.RoomStream));
    }

    [TestCase(null, TokenError.Null)]
    [TestCase("", TokenError.Empty)]
    [TestCase("s5", TokenError.UnknownForm)]
    [TestCase("-5", TokenError.UnknownForm)]
    [TestCase("+5", TokenError.UnknownForm)]
    [TestCase(" 5", TokenError.UnknownForm)]
    [TestCase("05", TokenError.LeadingZero)]
    [TestCase("5 ", TokenError.InvalidCharacter)]
    [TestCase("m5", TokenError.MissingWriters)]
    [TestCase("m5~2.7~2.8", TokenError.DuplicateWriter)]
    public void BareStreamPositionIsRefusedWithItsReason(string? text, TokenError expected)
    {
        Assert.That(StreamPositionVector.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Is.EqualTo(expected));
        Assert.That(Assert.Throws<InvalidTokenException>(() => StreamPositionVector.Parse(text))!.Kind, Is.EqualTo(TokenKind.StreamPosition));
    }

    public static IEnumerable<TestCaseData> MalformedSyncTokens()
    {
        yield return Sync(null, TokenError.Null, null, "missing");
        yield return Sync("", TokenError.Empty, null, "empty");
        yield return Sync("s1" + string.Concat(Enumerable.Repeat("_1", TokenLimits.MaxLength / 2)), TokenError.TooLong, null, "longer than the limit");
        yield return Sync(string.Join('_', Enumerable.Repeat("s1", 1).Concat(Enumerable.Repeat("1", 64))), TokenError.TooManyFields, null, "65 fields");
        yield return Sync("_1", TokenError.MissingNumber, 0, "empty events field");
        yield return Sync("5_1", TokenError.UnknownForm, 0, "events field without its prefix");
        yield return Sync("t3-5_1", TokenError.TopologicalNotAllowed, 0, "topological events field");
        yield return Sync("s5__1", TokenError.MissingNumber, 1, "empty field in the middle");
        yield return Sync("s5_1_", TokenError.MissingNumber, 2, "trailing separator");
        yield return Sync("s5_s1", TokenError.UnknownForm, 1, "room prefix on another stream");
        yield return Sync("s5_-1", TokenError.UnknownForm, 1, "negative position");
        yield return Sync("s5_1 ", TokenError.InvalidCharacter, 1, "trailing whitespace");
        yield return Sync("s5%5F1", TokenError.InvalidCharacter, 0, "percent-encoded separator");
        yield return Sync("s5_m3", TokenError.MissingWriters, 1, "multi-writer form with no writers");
        yield return Sync("s5_1_m3~2.3", TokenError.WriterNotAheadOfMinimum, 2, "receipts writer at the minimum");
        yield return Sync("s5_1_m3~4.8~4.9", TokenError.DuplicateWriter, 2, "receipts writer listed twice");
        yield return Sync("m5~2.7~1.8_1", TokenError.WritersOutOfOrder, 0, "events writers out of order");
        yield return Sync("s5_1_2_3_4_5_6_7_x", TokenError.UnknownForm, 8, "malformed field beyond today's");
    }

    private static TestCaseData Sync(string? text, TokenError expected, int? field, string what) =>
        new TestCaseData(text, expected, field).SetName($"Sync token: {what} is {expected}");

    [TestCaseSource(nameof(MalformedSyncTokens))]
    public void SyncTokenIsRefusedWithItsReasonAndField(string? text, TokenError expected, int? field)
    {
        Assert.That(SyncToken.TryParse(text, out var token, out var error, out var failedField), Is.False);
        Assert.That(error, Is.EqualTo(expected));
        Assert.That(failedField, Is.EqualTo(field));
        Assert.That(token, Is.Null);

        var thrown = Assert.Throws<InvalidTokenException>(() => SyncToken.Parse(text));
        Assert.That(thrown!.Error, Is.EqualTo(expected));
        Assert.That(thrown.Field, Is.EqualTo(field));
        Assert.That(thrown.Kind, Is.EqualTo(TokenKind.Sync));
    }

    [Test]
    public void ErrorMessageNamesTheFieldButNotTheToken()
    {
        var thrown = Assert.Throws<InvalidTokenException>(() => SyncToken.Parse("s5_1_m3~2.3_secret"));

        Assert.That(thrown!.Message, Is.EqualTo("Invalid sync token: a writer is listed at or below the minimum position in the receipts field."));
    }

    [Test]
    public void InvalidTokenExceptionIsAFormatException() =>
        Assert.That(new InvalidTokenException(TokenKind.RoomStream, TokenError.Empty), Is.InstanceOf<FormatException>());

    [Test]
    public void LongestAcceptedTextIsTheLimit()
    {
        var atLimit = "s1" + string.Concat(Enumerable.Repeat("_1", (TokenLimits.MaxLength - 2) / 2));

        Assert.That(atLimit, Has.Length.EqualTo(TokenLimits.MaxLength));
        Assert.That(SyncToken.TryParse(atLimit, out _, out var error), Is.False, "too many fields, but not too long");
        Assert.That(error, Is.EqualTo(TokenError.TooManyFields));
        Assert.That(RoomStreamToken.TryParse(Huge[..TokenLimits.MaxLength], out _, out var roomError), Is.False);
        Assert.That(roomError, Is.EqualTo(TokenError.NumberTooLarge), "too large, but not too long");
    }
}
