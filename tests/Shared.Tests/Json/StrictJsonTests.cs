using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using KnownVersions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Json;

/// <summary>What the strict reader accepts, and the reason it gives for everything it refuses.</summary>
public class StrictJsonTests
{
    private static InvalidJsonReason ReasonFor(byte[] input, StrictJsonOptions? options = null) =>
        Assert.Throws<InvalidJsonException>(() => StrictJson.Parse(input, options))!.Reason;

    private static InvalidJsonReason ReasonFor(string input, StrictJsonOptions? options = null) =>
        ReasonFor(Encoding.UTF8.GetBytes(input), options);

    [Test]
    public void WellFormedObjectIsReadWithItsValues()
    {
        var obj = StrictJson.ParseObject(" {\"a\": [1, \"x\", true, null], \"b\": {\"c\": -5}} "u8);
        Assert.That(obj["a"]![1]!.GetValue<string>(), Is.EqualTo("x"));
        Assert.That(obj["b"]!["c"]!.GetValue<long>(), Is.EqualTo(-5));
        Assert.That(obj["b"]!["c"]!.GetValue<int>(), Is.EqualTo(-5), "numbers convert like JsonNode.Parse's do");
    }

    [Test]
    public void ResultCanBeModified()
    {
        var obj = StrictJson.ParseObject("{\"a\":1}"u8);
        obj["b"] = 2;
        obj.Remove("a");
        Assert.That(obj.ToJsonString(), Is.EqualTo("{\"b\":2}"));
    }

    [TestCase("null", TestName = "TopLevelNullGivesNull")]
    public void TopLevelNullGivesNullNode(string json) => Assert.That(StrictJson.Parse(Encoding.UTF8.GetBytes(json)), Is.Null);

    [TestCase("[1,2]", TestName = "TopLevelArrayIsNotAnObject")]
    [TestCase("\"text\"", TestName = "TopLevelStringIsNotAnObject")]
    [TestCase("null", TestName = "TopLevelNullIsNotAnObject")]
    public void ParseObjectRefusesOtherTopLevelValues(string json)
    {
        var e = Assert.Throws<InvalidJsonException>(() => StrictJson.ParseObject(Encoding.UTF8.GetBytes(json)))!;
        Assert.That(e.Reason, Is.EqualTo(InvalidJsonReason.NotAnObject));
        Assert.That(e.MatrixErrorCode, Is.EqualTo("M_BAD_JSON"));
    }

    [TestCase("{\"a\":1,}", TestName = "TrailingCommaInObjectIsNotJson")]
    [TestCase("[1,2,]", TestName = "TrailingCommaInArrayIsNotJson")]
    [TestCase("{\"a\":1 // note\n}", TestName = "LineCommentIsNotJson")]
    [TestCase("{/* note */\"a\":1}", TestName = "BlockCommentIsNotJson")]
    [TestCase("{\"a\":1} x", TestName = "TrailingGarbageIsNotJson")]
    [TestCase("{\"a\":1}{}", TestName = "SecondDocumentIsNotJson")]
    [TestCase("{\"a\":1}}", TestName = "ExtraClosingBraceIsNotJson")]
    [TestCase("[NaN]", TestName = "NaNLiteralIsNotJson")]
    [TestCase("[Infinity]", TestName = "InfinityLiteralIsNotJson")]
    [TestCase("[-Infinity]", TestName = "NegativeInfinityLiteralIsNotJson")]
    [TestCase("{'a':1}", TestName = "SingleQuotesAreNotJson")]
    [TestCase("{a:1}", TestName = "UnquotedKeyIsNotJson")]
    [TestCase("[01]", TestName = "LeadingZeroIsNotJson")]
    [TestCase("[+1]", TestName = "PlusSignIsNotJson")]
    [TestCase("[.5]", TestName = "BareFractionIsNotJson")]
    [TestCase("[True]", TestName = "CapitalisedLiteralIsNotJson")]
    [TestCase("[\"a\u0001\"]", TestName = "RawControlCharacterInStringIsNotJson")]
    [TestCase("[\"\\x41\"]", TestName = "UnknownEscapeIsNotJson")]
    [TestCase("[\"\\u12G4\"]", TestName = "BadHexInEscapeIsNotJson")]
    public void MalformedJsonIsNotJson(string json)
    {
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.NotJson));
    }

    [Test]
    public void ByteOrderMarkIsNotJson() =>
        Assert.That(ReasonFor([0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}']), Is.EqualTo(InvalidJsonReason.NotJson));

    [TestCase("", TestName = "EmptyInputIsTruncated")]
    [TestCase("   ", TestName = "WhitespaceOnlyIsTruncated")]
    [TestCase("{", TestName = "OpenBraceIsTruncated")]
    [TestCase("{\"a\":", TestName = "MissingValueIsTruncated")]
    [TestCase("{\"a\":1", TestName = "MissingCloseBraceIsTruncated")]
    [TestCase("{\"a\":\"abc", TestName = "UnterminatedStringIsTruncated")]
    [TestCase("[1,2,", TestName = "ArrayEndingInCommaIsTruncated")]
    [TestCase("{\"a\":tr", TestName = "PartialLiteralIsTruncated")]
    [TestCase("{\"a\":\"\\u00", TestName = "PartialEscapeIsTruncated")]
    public void InputEndingInsideTheDocumentIsTruncated(string json) =>
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.Truncated));

    [Test]
    public void EveryProperPrefixOfADocumentIsTruncated()
    {
        var json = Encoding.UTF8.GetBytes("{\"a\":[1,-2,{\"b\":\"c\\n\\u00e9\"}],\"d\":true,\"e\":null}");
        for (var length = 0; length < json.Length; length++)
            Assert.That(ReasonFor(json[..length]), Is.EqualTo(InvalidJsonReason.Truncated), $"prefix of {length} bytes");
    }

    public static IEnumerable<TestCaseData> InvalidUtf8()
    {
        yield return new TestCaseData(new byte[] { 0xFF }).SetName("ByteFFIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0x80 }).SetName("StrayContinuationByteIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xC3 }).SetName("MissingContinuationByteIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xC0, 0x80 }).SetName("OverlongNulIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xC1, 0xBF }).SetName("OverlongTwoByteIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xE0, 0x80, 0xAF }).SetName("OverlongThreeByteSolidusIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xF0, 0x80, 0x80, 0xAF }).SetName("OverlongFourByteIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xED, 0xA0, 0x80 }).SetName("EncodedSurrogateIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xF4, 0x90, 0x80, 0x80 }).SetName("CodePointAbove10FFFFIsInvalidUtf8");
        yield return new TestCaseData(new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 }).SetName("FiveByteSequenceIsInvalidUtf8");
    }

    [TestCaseSource(nameof(InvalidUtf8))]
    public void InvalidUtf8InsideStringIsRefused(byte[] sequence)
    {
        byte[] json = [.. "{\"a\":\""u8, .. sequence, .. "\"}"u8];
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.InvalidUtf8));
    }

    [TestCaseSource(nameof(InvalidUtf8))]
    public void InvalidUtf8InsideKeyIsRefused(byte[] sequence)
    {
        byte[] json = [.. "{\""u8, .. sequence, .. "\":1}"u8];
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.InvalidUtf8));
    }

    [TestCase("{\"a\":1,\"a\":2}", TestName = "RepeatedKeyIsDuplicate")]
    [TestCase("{\"a\":1,\"\\u0061\":2}", TestName = "EscapedSpellingOfSameKeyIsDuplicate")]
    [TestCase("{\"x\":{\"y\":{\"a\":1,\"b\":2,\"a\":3}}}", TestName = "RepeatedKeyDeepInsideIsDuplicate")]
    [TestCase("[{\"a\":1},{\"b\":{\"c\":[{\"d\":1,\"d\":1}]}}]", TestName = "RepeatedKeyInsideArrayIsDuplicate")]
    public void DuplicateKeysAreRefused(string json) =>
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.DuplicateKey));

    [TestCase("[{\"a\":1},{\"a\":2}]", TestName = "SameKeyInSiblingObjectsIsAllowed")]
    [TestCase("{\"a\":{\"a\":{\"a\":1}}}", TestName = "SameKeyAtDifferentDepthsIsAllowed")]
    [TestCase("{\"a\":1,\"A\":2}", TestName = "KeysDifferingInCaseAreDistinct")]
    public void DistinctKeysAreAccepted(string json) =>
        Assert.That(StrictJson.Parse(Encoding.UTF8.GetBytes(json)), Is.Not.Null);

    [TestCase("[\"\\ud800\"]", TestName = "LoneHighSurrogateEscapeInValueIsRefused")]
    [TestCase("[\"\\udfff\"]", TestName = "LoneLowSurrogateEscapeInValueIsRefused")]
    [TestCase("[\"\\ude00\\ud83d\"]", TestName = "ReversedSurrogateEscapesAreRefused")]
    [TestCase("[\"\\ud83d\\n\"]", TestName = "HighSurrogateEscapeBeforeOtherEscapeIsRefused")]
    [TestCase("{\"\\ud800\":1}", TestName = "LoneSurrogateEscapeInKeyIsRefused")]
    public void LoneSurrogateEscapesAreRefused(string json) =>
        Assert.That(ReasonFor(json), Is.EqualTo(InvalidJsonReason.LoneSurrogate));

    [Test]
    public void SurrogatePairEscapeIsAccepted() =>
        Assert.That(StrictJson.Parse("[\"\\ud83d\\ude00\"]"u8)![0]!.GetValue<string>(), Is.EqualTo("\U0001F600"));

    [Test]
    public void NestingAtTheLimitIsAccepted()
    {
        var options = new StrictJsonOptions { MaxDepth = 10 };
        Assert.That(StrictJson.Parse(Nested(10), options), Is.Not.Null);
    }

    [Test]
    public void NestingOneBeyondTheLimitIsTooDeep()
    {
        var options = new StrictJsonOptions { MaxDepth = 10 };
        Assert.That(ReasonFor(Nested(11), options), Is.EqualTo(InvalidJsonReason.TooDeep));
    }

    [Test]
    public void DefaultLimitAcceptsItsOwnDepth() =>
        Assert.That(StrictJson.Parse(Nested(StrictJsonOptions.DefaultMaxDepth)), Is.Not.Null);

    [Test]
    public void TenThousandDeepArrayIsTooDeep() =>
        Assert.That(ReasonFor(Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000))),
            Is.EqualTo(InvalidJsonReason.TooDeep));

    [Test]
    public void TenThousandDeepUnclosedObjectIsTooDeep() =>
        // Depth is reported before the missing closing brackets are noticed.
        Assert.That(ReasonFor(string.Concat(Enumerable.Repeat("{\"a\":", 10_000))), Is.EqualTo(InvalidJsonReason.TooDeep));

    [Test]
    public void OneMegabyteStringIsReadQuickly()
    {
        var value = new string('x', 1 << 20);
        var json = Encoding.UTF8.GetBytes($"{{\"body\":\"{value}\"}}");
        var clock = Stopwatch.StartNew();
        var obj = StrictJson.ParseObject(json);
        Assert.That(obj["body"]!.GetValue<string>(), Has.Length.EqualTo(1 << 20));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void InputOverTheSizeLimitIsTooLargeBeforeBeingRead()
    {
        // The input is not even JSON: the size check comes first.
        var options = new StrictJsonOptions { MaxInputBytes = 1 << 16 };
        Assert.That(ReasonFor(new byte[(1 << 16) + 1], options), Is.EqualTo(InvalidJsonReason.TooLarge));
    }

    [Test]
    public void InputAtTheSizeLimitIsRead()
    {
        var options = new StrictJsonOptions { MaxInputBytes = 9 };
        Assert.That(StrictJson.Parse("{\"a\":123}"u8, options), Is.Not.Null);
    }

    [TestCase(0)]
    [TestCase(StrictJsonOptions.HighestMaxDepth + 1)]
    public void DepthLimitOutsideTheSafeRangeIsAProgrammingError(int depth) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new StrictJsonOptions { MaxDepth = depth });

    [Test]
    public void NotJsonMapsToMatrixNotJsonError() =>
        Assert.That(Assert.Throws<InvalidJsonException>(() => StrictJson.Parse("{"u8))!.MatrixErrorCode, Is.EqualTo("M_NOT_JSON"));

    [Test]
    public void ElementResultEncodesToTheSameBytesAsNodeResult()
    {
        var json = "{\"b\":[1,{\"z\":\"\\u00e9\",\"y\":null}],\"a\":\"x\"}"u8;
        Assert.That(CanonicalJson.Encode(StrictJson.ParseElement(json)), Is.EqualTo(CanonicalJson.Encode(StrictJson.Parse(json))));
    }

    [Test]
    public void RoomVersionOverloadAppliesThatVersionsNumberRules()
    {
        Assert.That(StrictJson.ParseObject("{\"a\":1.5}"u8, KnownVersions.V5)["a"]!.GetValue<double>(), Is.EqualTo(1.5));
        var e = Assert.Throws<InvalidJsonException>(() => StrictJson.ParseObject("{\"a\":1.5}"u8, KnownVersions.V6))!;
        Assert.That(e.Reason, Is.EqualTo(InvalidJsonReason.FloatNotAllowed));
    }

    private static byte[] Nested(int depth) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":[", depth / 2)) + (depth % 2 == 1 ? "{}" : "1") +
                               string.Concat(Enumerable.Repeat("]}", depth / 2)));
}
