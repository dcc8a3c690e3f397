using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Discovery;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Tests.Federation;

/// <summary>Which key responses are believed: named for the server asked, signed by every key they list.</summary>
public class ServerKeyResponseTests
{
    private static readonly ServerName Server = ServerName.Parse("a.example");

    private static JsonObject Document(string serverName, Ed25519SigningKey key, JsonObject? old = null)
    {
        var doc = new JsonObject
        {
            ["server_name"] = serverName,
            ["valid_until_ts"] = 1_000_000L,
            ["verify_keys"] = new JsonObject { [key.KeyId.ToString()] = new JsonObject { ["key"] = key.PublicKeyBase64 } },
            ["old_verify_keys"] = old ?? new JsonObject(),
        };
        JsonSignatures.Sign(doc, serverName, key);
        return doc;
    }

    private static string Refused(JsonObject doc)
    {
        Assert.That(ServerKeyResponse.TryValidate(doc, Server, out _, out var error), Is.False);
        return error;
    }

    [Test]
    public void Self_signed_response_naming_the_server_is_believed()
    {
        using var key = Ed25519SigningKey.Generate("k1");
        Assert.That(ServerKeyResponse.TryValidate(Document("a.example", key), Server, out var response, out var error), Is.True, error);
        Assert.Multiple(() =>
        {
            Assert.That(response!.ValidUntilTs, Is.EqualTo(1_000_000L));
            Assert.That(response.Keys["ed25519:k1"].Key.PublicKeyBase64, Is.EqualTo(key.PublicKeyBase64));
            Assert.That(response.Keys["ed25519:k1"].ExpiredTs, Is.Null);
        });
    }

    [Test]
    public void Response_naming_another_server_is_refused()
    {
        using var key = Ed25519SigningKey.Generate("k1");
        Assert.That(Refused(Document("b.example", key)), Does.Contain("server_name"));
    }

    [Test]
    public void Response_not_signed_by_its_listed_key_is_refused()
    {
        using var listed = Ed25519SigningKey.Generate("k1");
        using var other = Ed25519SigningKey.Generate("k1");
        var doc = Document("a.example", other);
        doc["verify_keys"] = new JsonObject { ["ed25519:k1"] = new JsonObject { ["key"] = listed.PublicKeyBase64 } };
        Assert.That(Refused(doc), Does.Contain("not signed"));
    }

    [Test]
    public void Response_altered_after_signing_is_refused()
    {
        using var key = Ed25519SigningKey.Generate("k1");
        var doc = Document("a.example", key);
        doc["valid_until_ts"] = 9_000_000_000_000L;
        Assert.That(Refused(doc), Does.Contain("not signed"));
    }

    [Test]
    public void Old_verify_keys_are_kept_with_their_expiry()
    {
        using var key = Ed25519SigningKey.Generate("k2");
        using var old = Ed25519SigningKey.Generate("k1");
        var doc = Document("a.example", key,
            new JsonObject { ["ed25519:k1"] = new JsonObject { ["key"] = old.PublicKeyBase64, ["expired_ts"] = 500L } });
        Assert.That(ServerKeyResponse.TryValidate(doc, Server, out var response, out var error), Is.True, error);
        Assert.That(response!.Keys["ed25519:k1"].ExpiredTs, Is.EqualTo(500L));
    }

    [Test]
    public void Old_verify_key_without_expired_ts_is_refused()
    {
        using var key = Ed25519SigningKey.Generate("k2");
        using var old = Ed25519SigningKey.Generate("k1");
        Assert.That(Refused(Document("a.example", key, new JsonObject { ["ed25519:k1"] = new JsonObject { ["key"] = old.PublicKeyBase64 } })),
            Does.Contain("expired_ts"));
    }

    [Test]
    public void Response_without_verify_keys_is_refused()
    {
        using var key = Ed25519SigningKey.Generate("k1");
        var doc = Document("a.example", key);
        doc.Remove("verify_keys");
        Assert.That(Refused(doc), Does.Contain("verify_keys"));
    }

    [TestCase("{\"m.server\":\"delegated.example:443\"}", "delegated.example:443")]
    [TestCase("{\"m.server\":\"delegated.example\"}", "delegated.example")]
    [TestCase("{\"m.server\":\"not a name\"}", null)]
    [TestCase("{\"m.server\":5}", null)]
    [TestCase("not json", null)]
    [TestCase("[]", null)]
    public void Well_known_server_body_is_read(string body, string? expected) =>
        Assert.That(WellKnownServer.Parse(System.Text.Encoding.UTF8.GetBytes(body))?.ToString(), Is.EqualTo(expected));
}
