using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using CsCheck;

namespace Cluster.Shared.Tests.Json;

/// <summary>Properties canonical JSON must have for any input, checked on random documents.</summary>
public class CanonicalJsonPropertyTests
{
    [Test]
    public void CanonicalOutputIsAFixedPoint() =>
        JsonGenerators.Value.Sample(node =>
        {
            var canonical = CanonicalJson.Encode(node);
            Assert.That(CanonicalJson.Encode(StrictJson.Parse(canonical, StrictJsonOptions.StrictCanonical)), Is.EqualTo(canonical));
            Assert.That(CanonicalJson.Encode(StrictJson.ParseElement(canonical)), Is.EqualTo(canonical));
        }, iter: 2000);

    [Test]
    public void KeyInsertionOrderDoesNotChangeTheBytes() =>
        Gen.Select(JsonGenerators.Text, JsonGenerators.Value).Array[0, 10]
            .Select(members => members.DistinctBy(m => m.Item1).ToArray())
            .SelectMany(members => Gen.Shuffle(members.Select((_, i) => i).ToArray()).Select(order => (members, order)))
            .Sample(t =>
            {
                var inOrder = new JsonObject();
                var shuffled = new JsonObject();
                foreach (var (key, value) in t.members) inOrder[key] = value?.DeepClone();
                foreach (var i in t.order) shuffled[t.members[i].Item1] = t.members[i].Item2?.DeepClone();
                Assert.That(CanonicalJson.Encode(shuffled), Is.EqualTo(CanonicalJson.Encode(inOrder)));
            }, iter: 1000);

    [Test]
    public void ParsedDocumentEncodesLikeTheNodeItCameFrom() =>
        // ToJsonString escapes all non-ASCII as \uXXXX, so this exercises the unescaping path.
        JsonGenerators.Value.Sample(node =>
        {
            var fromNode = CanonicalJson.Encode(node);
            var json = node?.ToJsonString() ?? "null";
            Assert.That(CanonicalJson.Encode(JsonElement.Parse(json)), Is.EqualTo(fromNode));
            Assert.That(CanonicalJson.Encode(JsonNode.Parse(json)), Is.EqualTo(fromNode));
        }, iter: 2000);

    [Test]
    public void AnyUnicodeStringRoundTrips() =>
        JsonGenerators.Text.Sample(text =>
        {
            var canonical = CanonicalJson.Encode(JsonValue.Create(text));
            Assert.That(StrictJson.Parse(canonical)!.GetValue<string>(), Is.EqualTo(text));
        }, iter: 5000);

    [Test]
    public void StringEncodingMatchesTheSpecGrammarCharacterByCharacter() =>
        JsonGenerators.Text.Sample(text =>
            Assert.That(CanonicalJson.EncodeToString(JsonValue.Create(text)), Is.EqualTo(ReferenceEncode(text))), iter: 5000);

    [Test]
    public void KeysComeOutInCodePointOrder() =>
        JsonGenerators.Object.Sample(obj =>
        {
            var keys = StrictJson.ParseElement(CanonicalJson.Encode(obj)).EnumerateObject().Select(p => p.Name).ToList();
            var byCodePoint = obj.Select(p => p.Key)
                .OrderBy(k => k.EnumerateRunes().Select(r => r.Value).ToArray(), CodePointSequence.Instance).ToList();
            Assert.That(keys, Is.EqualTo(byCodePoint));
        }, iter: 2000);

    [Test]
    public void EncodingWithoutKeysEqualsEncodingACopyWithoutThem() =>
        Gen.Select(JsonGenerators.Object, Gen.Int[0, 3]).Sample((obj, omitCount) =>
        {
            var omitted = obj.Select(p => p.Key).Take(omitCount).Append("not-present").ToArray();
            var copy = obj.DeepClone().AsObject();
            foreach (var key in omitted) copy.Remove(key);
            var expected = CanonicalJson.Encode(copy);
            Assert.That(CanonicalJson.EncodeWithout(obj, omitted), Is.EqualTo(expected));
            Assert.That(CanonicalJson.EncodeWithout(JsonElement.Parse(obj.ToJsonString()), omitted), Is.EqualTo(expected));
        }, iter: 1000);

    /// <summary>The spec's string grammar written out naively, one scalar at a time.</summary>
    private static string ReferenceEncode(string text)
    {
        var sb = new StringBuilder("\"");
        foreach (var rune in text.EnumerateRunes())
        {
            sb.Append(rune.Value switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                0x08 => "\\b",
                0x09 => "\\t",
                0x0A => "\\n",
                0x0C => "\\f",
                0x0D => "\\r",
                < 0x20 => $"\\u{rune.Value:x4}",
                _ => rune.ToString(),
            });
        }
        return sb.Append('"').ToString();
    }

    private sealed class CodePointSequence : IComparer<int[]>
    {
        public static readonly CodePointSequence Instance = new();

        public int Compare(int[]? x, int[]? y) => x.AsSpan().SequenceCompareTo(y.AsSpan());
    }
}
