using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Tests.Json;

/// <summary>
/// The spec's string grammar: only '"', '\' and U+0000..U+001F are escaped, with the two-character
/// forms where they exist and lowercase \u00xx otherwise; everything else is raw UTF-8.
/// </summary>
public class CanonicalJsonStringTests
{
    public static IEnumerable<TestCaseData> Escapes()
    {
        yield return new TestCaseData("\"", "\"\\\"\"").SetName("QuotationMarkIsEscaped");
        yield return new TestCaseData("\\", "\"\\\\\"").SetName("ReverseSolidusIsEscaped");
        yield return new TestCaseData("\b", "\"\\b\"").SetName("BackspaceUsesShortEscape");
        yield return new TestCaseData("\t", "\"\\t\"").SetName("TabUsesShortEscape");
        yield return new TestCaseData("\n", "\"\\n\"").SetName("LineFeedUsesShortEscape");
        yield return new TestCaseData("\f", "\"\\f\"").SetName("FormFeedUsesShortEscape");
        yield return new TestCaseData("\r", "\"\\r\"").SetName("CarriageReturnUsesShortEscape");
        yield return new TestCaseData("\u0000", "\"\\u0000\"").SetName("NulUsesUnicodeEscape");
        yield return new TestCaseData("\u000b", "\"\\u000b\"").SetName("VerticalTabUsesLowercaseHex");
        yield return new TestCaseData("\u001f", "\"\\u001f\"").SetName("UnitSeparatorUsesLowercaseHex");
        yield return new TestCaseData("/", "\"/\"").SetName("SolidusIsNotEscaped");
        yield return new TestCaseData("\u007f", "\"\u007f\"").SetName("DeleteIsNotEscaped");
        yield return new TestCaseData("\u0080", "\"\u0080\"").SetName("C1ControlIsNotEscaped");
        yield return new TestCaseData("\u2028\u2029", "\"\u2028\u2029\"").SetName("LineAndParagraphSeparatorsAreNotEscaped");
        yield return new TestCaseData("caf\u00e9 \u65e5\u672c", "\"caf\u00e9 \u65e5\u672c\"").SetName("NonAsciiIsRawUtf8");
        yield return new TestCaseData("\U0001F600", "\"\U0001F600\"").SetName("AstralCharacterIsRawUtf8");
        yield return new TestCaseData("<script>&'", "\"<script>&'\"").SetName("HtmlSensitiveCharactersAreNotEscaped");
    }

    [TestCaseSource(nameof(Escapes))]
    public void StringValueIsWrittenWithShortestEscapes(string value, string expected) =>
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(value)), Is.EqualTo(expected));

    [TestCaseSource(nameof(Escapes))]
    public void StringFromParsedDocumentIsWrittenWithShortestEscapes(string value, string expected)
    {
        // System.Text.Json escapes far more than canonical JSON does, so this goes through unescaping.
        var element = JsonElement.Parse(JsonSerializer.Serialize(value));
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(element)), Is.EqualTo(expected));
    }

    [TestCase("\"\\u00E9\"", "\"\u00e9\"", TestName = "UppercaseHexEscapeBecomesRawUtf8")]
    [TestCase("\"\\/\"", "\"/\"", TestName = "EscapedSolidusLosesItsEscape")]
    [TestCase("\"\\ud83d\\ude00\"", "\"\U0001F600\"", TestName = "EscapedSurrogatePairBecomesOneFourByteCharacter")]
    [TestCase("\"\\u0041\\u000A\"", "\"A\\n\"", TestName = "LongEscapeOfControlBecomesShortEscape")]
    [TestCase("\"\\u001F\"", "\"\\u001f\"", TestName = "UppercaseControlEscapeBecomesLowercase")]
    public void EscapesInInputAreRewrittenCanonically(string json, string expected)
    {
        Assert.That(CanonicalJson.EncodeToString(JsonNode.Parse(json)), Is.EqualTo(expected));
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(JsonElement.Parse(json))), Is.EqualTo(expected));
    }

    // Attribute arguments are stored as UTF-8, which cannot hold a lone surrogate: build them in code.
    public static IEnumerable<TestCaseData> UnpairedSurrogates()
    {
        yield return new TestCaseData("\ud800").SetName("LoneHighSurrogateIsRefused");
        yield return new TestCaseData("\udc00").SetName("LoneLowSurrogateIsRefused");
        yield return new TestCaseData("a\ud83d").SetName("HighSurrogateAtEndIsRefused");
        yield return new TestCaseData("\ude00\ud83d").SetName("SurrogatesInWrongOrderAreRefused");
        yield return new TestCaseData("\ud83d\"").SetName("HighSurrogateBeforeEscapedCharacterIsRefused");
    }

    [TestCaseSource(nameof(UnpairedSurrogates))]
    public void UnpairedSurrogateInStringIsRefused(string value) =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonValue.Create(value)));

    [Test]
    public void UnpairedSurrogateInKeyIsRefused() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(new JsonObject { ["\ud800"] = 1 }));

    [TestCase("\"\\ud800\"", TestName = "LoneHighSurrogateEscapeIsRefused")]
    [TestCase("\"\\udc00\"", TestName = "LoneLowSurrogateEscapeIsRefused")]
    [TestCase("\"\\ud83dx\"", TestName = "HighSurrogateEscapeFollowedByLetterIsRefused")]
    [TestCase("\"\\ud83d\\u0041\"", TestName = "HighSurrogateEscapeFollowedByNonSurrogateEscapeIsRefused")]
    public void UnpairedSurrogateEscapeInDocumentIsRefused(string json)
    {
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonElement.Parse(json)));
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(JsonNode.Parse(json)));
    }

    [Test]
    public void InvalidUtf8InsideUnvalidatedDocumentIsRefused()
    {
        // JsonDocument does not check UTF-8 inside strings; the encoder must not pass it through.
        var element = JsonElement.Parse(new byte[] { (byte)'"', 0xC0, 0x80, (byte)'"' });
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(element));
    }

    [Test]
    public void LongStringWithManyEscapesIsEncodedCompletely()
    {
        var value = string.Concat(Enumerable.Repeat("a\u0001\"\U0001F600", 10_000));
        var expected = "\"" + string.Concat(Enumerable.Repeat("a\\u0001\\\"\U0001F600", 10_000)) + "\"";
        Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(value)), Is.EqualTo(expected));
    }
}
