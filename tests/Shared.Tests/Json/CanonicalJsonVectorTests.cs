using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Json;

/// <summary>The specification's canonical JSON examples (../shared/testdata/signing-vectors.json).</summary>
public class CanonicalJsonVectorTests
{
    public static IEnumerable<TestCaseData> Vectors() =>
        SpecVectors.Load()["canonical_json"]!.AsArray().Select(v => new TestCaseData(
            v!["input"]!.GetValue<string>(), v["canonical"]!.GetValue<string>()).SetName($"Canonical: {v["input"]}"));

    [TestCaseSource(nameof(Vectors))]
    public void EncodesSpecVectorExactly(string input, string canonical) =>
        Assert.That(CanonicalJson.EncodeToString(JsonNode.Parse(input)), Is.EqualTo(canonical));
}
