using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Authentication;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Cluster.Shared.Tests.Support;

namespace Cluster.Shared.Tests.Federation;

/// <summary>Request signatures with the spec's test key: what is covered, and that changing any of it breaks the signature.</summary>
public class FederationRequestSignatureTests
{
    private static readonly JsonObject KeySpec = SpecVectors.Load()["signing_key"]!.AsObject();
    private static readonly ServerName Origin = ServerName.Parse((string)KeySpec["server_name"]!);
    private static readonly ServerName Destination = ServerName.Parse("destination.example");

    private static Ed25519SigningKey SpecKey() =>
        Ed25519SigningKey.FromSeedBase64(SigningKeyId.Parse((string)KeySpec["key_id"]!).Version, (string)KeySpec["seed_unpadded_base64"]!);

    private static JsonObject Content() => new() { ["edus"] = new JsonArray(), ["pdus"] = new JsonArray(1, 2) };

    [Test]
    public void Signed_json_holds_method_uri_origin_destination_and_content()
    {
        var json = FederationRequestSignature.SignedJson("PUT", "/_matrix/federation/v1/send/1", Origin, Destination, Content());
        Assert.That(CanonicalJson.EncodeToString(json), Is.EqualTo(
            "{\"content\":{\"edus\":[],\"pdus\":[1,2]},\"destination\":\"destination.example\",\"method\":\"PUT\",\"origin\":\"domain\",\"uri\":\"/_matrix/federation/v1/send/1\"}"));
    }

    [Test]
    public void Signature_made_with_the_spec_key_verifies_with_its_public_key()
    {
        using var key = SpecKey();
        var header = FederationRequestSignature.Sign("PUT", "/x?a=1", Origin, Destination, Content(), key);
        var publicKey = Ed25519VerifyKey.Parse((string)KeySpec["key_id"]!, (string)KeySpec["public_key_unpadded_base64"]!);
        Assert.That(FederationRequestSignature.Verify("PUT", "/x?a=1", header, Content(), publicKey), Is.True);
    }

    [TestCase("POST", "/x?a=1", false, TestName = "Changed_method_breaks_the_signature")]
    [TestCase("PUT", "/x?a=2", false, TestName = "Changed_uri_breaks_the_signature")]
    [TestCase("PUT", "/x?a=1", true, TestName = "Changed_body_breaks_the_signature")]
    public void Changed_request_breaks_the_signature(string method, string uri, bool changeBody)
    {
        using var key = SpecKey();
        var header = FederationRequestSignature.Sign("PUT", "/x?a=1", Origin, Destination, Content(), key);
        var content = Content();
        if (changeBody) content["pdus"] = new JsonArray(1, 3);
        Assert.That(FederationRequestSignature.Verify(method, uri, header, content, key.VerifyKey), Is.False);
    }

    [Test]
    public void Changed_destination_breaks_the_signature()
    {
        using var key = SpecKey();
        var header = FederationRequestSignature.Sign("GET", "/x", Origin, Destination, null, key)
            with { Destination = ServerName.Parse("other.example") };
        Assert.That(FederationRequestSignature.Verify("GET", "/x", header, null, key.VerifyKey), Is.False);
    }

    [Test]
    public void Body_added_to_a_bodiless_request_breaks_the_signature()
    {
        using var key = SpecKey();
        var header = FederationRequestSignature.Sign("GET", "/x", Origin, Destination, null, key);
        Assert.That(FederationRequestSignature.Verify("GET", "/x", header, new JsonObject(), key.VerifyKey), Is.False);
    }
}
