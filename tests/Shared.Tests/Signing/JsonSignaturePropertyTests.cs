using System.Text.Json.Nodes;
using Cluster.Shared.Signing;
using CsCheck;

namespace Cluster.Shared.Tests.Signing;

/// <summary>Sign/verify laws over generated objects, beyond the hand-picked cases.</summary>
public class JsonSignaturePropertyTests
{
    private static readonly Gen<string> Text = Gen.String[Gen.Char.AlphaNumeric, 0, 12];

    private static readonly Gen<JsonObject> Objects =
        Gen.Dictionary(Gen.String[Gen.Char.AlphaNumeric, 1, 8], Gen.OneOf(
                Text.Select(s => (JsonNode?)JsonValue.Create(s)),
                Gen.Long[-1_000_000, 1_000_000].Select(l => (JsonNode?)JsonValue.Create(l)),
                Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))))[0, 8]
            .Select(d => new JsonObject(d));

    [Test]
    public void EverySignedObjectVerifies()
    {
        using var key = Ed25519SigningKey.Generate("p");
        Objects.Sample(obj =>
        {
            JsonSignatures.Sign(obj, "s.example", key);
            return JsonSignatures.Verify(obj, "s.example", key.VerifyKey).IsValid;
        }, iter: 50);
    }

    [Test]
    public void AddingAnyKeyBreaksTheSignature()
    {
        using var key = Ed25519SigningKey.Generate("p");
        Gen.Select(Objects, Text).Sample((obj, extra) =>
        {
            JsonSignatures.Sign(obj, "s.example", key);
            obj["added_" + extra] = extra;
            return JsonSignatures.Verify(obj, "s.example", key.VerifyKey).Status == SignatureStatus.BadSignature;
        }, iter: 50);
    }
}
