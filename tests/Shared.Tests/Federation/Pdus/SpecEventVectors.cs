using System.Text.Json.Nodes;
using Cluster.Shared.Signing;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>
/// The specification's event signing vectors (../shared/testdata/signing-vectors.json) as received events:
/// the input with its published content hash and signature put where a sending server puts them.
/// </summary>
internal static class SpecEventVectors
{
    public const string Server = "domain";

    public static Ed25519VerifyKey VerifyKey()
    {
        var key = SpecVectors.Load()["signing_key"]!;
        return Ed25519VerifyKey.Parse(key["key_id"]!.GetValue<string>(), key["public_key_unpadded_base64"]!.GetValue<string>());
    }

    /// <summary>"minimal event": the v3+ shape (no event_id), signed by <c>domain</c>.</summary>
    public static JsonObject MinimalEvent() => Signed(0);

    /// <summary>"redactable message event": a v1/v2 message with event_id <c>$0:domain</c>, signed by <c>domain</c>.</summary>
    public static JsonObject RedactableMessage() => Signed(1);

    private static JsonObject Signed(int index)
    {
        var vectors = SpecVectors.Load();
        var vector = vectors["event_signing"]![index]!;
        var json = vector["input"]!.DeepClone().AsObject();
        json["hashes"] = new JsonObject { ["sha256"] = vector["content_hash_sha256"]!.GetValue<string>() };
        json["signatures"] = new JsonObject
        {
            [Server] = new JsonObject { [vectors["signing_key"]!["key_id"]!.GetValue<string>()] = vector["signature"]!.GetValue<string>() },
        };
        return json;
    }
}
