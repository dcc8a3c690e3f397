using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Tests.Json;

/// <summary>Key order, whitespace, literals, nesting limits and the element/node entry points.</summary>
public class CanonicalJsonStructureTests
{
    [Test]
    public void KeysAreOrderedByCodePointNotUtf16()
    {
        // U+FFFD sorts before U+1F600 by code point, but after it by UTF-16 unit (0xD83D < 0xFFFD).
        var obj = new JsonObject { ["\U0001F600"] = 1, ["\uFFFD"] = 2, ["a"] = 3, ["B"] = 4, [""] = 5, ["ab"] = 6 };
        Assert.That(CanonicalJson.EncodeToString(obj), Is.EqualTo("{\"\":5,\"B\":4,\"a\":3,\"ab\":6,\"\uFFFD\":2,\"\U0001F600\":1}"));
    }

    [Test]
    public void KeysOfParsedDocumentAreOrderedByCodePoint()
    {
        var element = JsonElement.Parse("{\"\\ud83d\\ude00\":1,\"\uFFFD\":2,\"a\":3,\"B\":4,\"\":5,\"ab\":6}");
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(element)),
            Is.EqualTo("{\"\":5,\"B\":4,\"a\":3,\"ab\":6,\"\uFFFD\":2,\"\U0001F600\":1}"));
    }

    [Test]
    public void EscapedKeySortsByItsDecodedText()
    {
        // "\u0062" is "b", which belongs after "a" although its escaped bytes start with '\'.
        var element = JsonElement.Parse("{\"\\u0062\":1,\"a\":2,\"c\":3}");
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(element)), Is.EqualTo("{\"a\":2,\"b\":1,\"c\":3}"));
    }

    [Test]
    public void DuplicateKeyInParsedDocumentIsRefused()
    {
        // JsonDocument keeps both; there is no single canonical form.
        var element = JsonElement.Parse("{\"a\":1,\"\\u0061\":2}");
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(element));
    }

    [Test]
    public void InsignificantWhitespaceIsRemoved() =>
        Assert.That(CanonicalJson.EncodeToString(JsonNode.Parse(" { \"a\" : [ 1 , true , false , null , { } , [ ] ] } ")),
            Is.EqualTo("{\"a\":[1,true,false,null,{},[]]}"));

    [Test]
    public void NullNodeIsWrittenAsNull() => Assert.That(CanonicalJson.EncodeToString(null), Is.EqualTo("null"));

    [Test]
    public void ObjectWithManyKeysIsSortedCompletely()
    {
        var obj = new JsonObject();
        for (var i = 999; i >= 0; i--) obj[$"k{i:D4}"] = i;
        var expected = "{" + string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"k{i:D4}\":{i}")) + "}";
        Assert.That(CanonicalJson.EncodeToString(obj), Is.EqualTo(expected));
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(JsonElement.Parse(obj.ToJsonString()))), Is.EqualTo(expected));
    }

    [Test]
    public void NestingAtTheLimitIsEncoded()
    {
        var json = new string('[', CanonicalJson.MaxDepth) + new string(']', CanonicalJson.MaxDepth);
        var element = JsonElement.Parse(json, new JsonDocumentOptions { MaxDepth = CanonicalJson.MaxDepth });
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.Encode(element)), Is.EqualTo(json));
    }

    [Test]
    public void NestingBeyondTheLimitIsRefusedWithoutExhaustingTheStack()
    {
        JsonNode deep = new JsonArray();
        for (var i = 0; i < 10_000; i++) deep = new JsonObject { ["a"] = deep };
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.Encode(deep));
    }

    [Test]
    public void EncodingIntoBufferWriterAppendsTheSameBytes()
    {
        var obj = new JsonObject { ["b"] = "x", ["a"] = new JsonArray(1, 2) };
        var output = new ArrayBufferWriter<byte>();
        output.Write("prefix"u8);
        CanonicalJson.Encode(obj, output);
        Assert.That(Encoding.UTF8.GetString(output.WrittenSpan), Is.EqualTo("prefix{\"a\":[1,2],\"b\":\"x\"}"));
    }

    [Test]
    public void EncodingDoesNotChangeTheNode()
    {
        var obj = new JsonObject { ["b"] = 1, ["a"] = 2 };
        CanonicalJson.Encode(obj);
        Assert.That(obj.Select(p => p.Key), Is.EqualTo(new[] { "b", "a" }));
    }

    [Test]
    public void OmittedTopLevelKeysAreLeftOut()
    {
        var obj = new JsonObject { ["b"] = 1, ["signatures"] = new JsonObject(), ["a"] = new JsonObject { ["unsigned"] = 2 }, ["unsigned"] = 3 };
        const string expected = "{\"a\":{\"unsigned\":2},\"b\":1}";
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.EncodeWithout(obj, "signatures", "unsigned")), Is.EqualTo(expected));
        var element = JsonElement.Parse(obj.ToJsonString());
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.EncodeWithout(element, "signatures", "unsigned")), Is.EqualTo(expected));
    }

    [Test]
    public void OmittedKeyIsMatchedAfterUnescaping()
    {
        var element = JsonElement.Parse("{\"\\u0073ignatures\":{},\"a\":1}");
        Assert.That(Encoding.UTF8.GetString(CanonicalJson.EncodeWithout(element, "signatures")), Is.EqualTo("{\"a\":1}"));
    }

    [Test]
    public void OmittingFromANonObjectIsRefused() =>
        Assert.Throws<CanonicalJsonException>(() => CanonicalJson.EncodeWithout(JsonElement.Parse("[1]"), "a"));
}

