using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.AspNetCore.Http;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Checks 1-3 on receipt of a PDU as B runs them, with keys fetched over HTTP: from A, a real homeserver,
/// and from stand-in servers publishing key documents of keys the tests hold.
/// </summary>
public class PduVerifierTests : TwoServerFixture
{
    private readonly List<IAsyncDisposable> _fakes = [];

    protected override IReadOnlyDictionary<string, string> SettingsOfB =>
        new Dictionary<string, string> { ["Cluster:Federation:KeyRefetchBackoff"] = "00:00:00" };

    [OneTimeTearDown]
    public async Task StopFakes()
    {
        foreach (var fake in _fakes) await fake.DisposeAsync();
    }

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private PduVerifier VerifierOfB => B.Service<PduVerifier>();

    private Task<PduCheckResult> CheckOnBAsync(JsonObject json, RoomVersion version) =>
        VerifierOfB.CheckAsync(json, version, null, CancellationToken.None);

    /// <summary>A stand-in server publishing <paramref name="key"/> (valid until <paramref name="validUntilTs"/>) and any old keys.</summary>
    private async Task<string> KeyServerAsync(Ed25519SigningKey key, long? validUntilTs = null,
        IReadOnlyList<(Ed25519SigningKey Key, long ExpiredTs)>? oldKeys = null)
    {
        var fake = await FakeRemoteServer.StartAsync(context =>
        {
            if (context.Request.Path != "/_matrix/key/v2/server")
            {
                context.Response.StatusCode = 404;
                return Task.CompletedTask;
            }
            var serverName = context.Request.Host.Value!;
            var old = new JsonObject();
            foreach (var (oldKey, expired) in oldKeys ?? [])
                old[oldKey.KeyId.ToString()] = new JsonObject { ["key"] = oldKey.PublicKeyBase64, ["expired_ts"] = expired };
            var doc = new JsonObject
            {
                ["server_name"] = serverName,
                ["valid_until_ts"] = validUntilTs ?? Now + 3_600_000,
                ["verify_keys"] = new JsonObject { [key.KeyId.ToString()] = new JsonObject { ["key"] = key.PublicKeyBase64 } },
                ["old_verify_keys"] = old,
            };
            JsonSignatures.Sign(doc, serverName, key);
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(doc.ToJsonString());
        });
        _fakes.Add(fake);
        return fake.ServerName;
    }

    private static JsonObject Message(RoomVersion version, string server, long? originServerTs = null, string? eventIdServer = null)
    {
        var json = new JsonObject
        {
            ["type"] = "m.room.message",
            ["room_id"] = version.RoomIdFromCreateEvent ? "!" + Reference(version, "create", server).GetValue<string>()[1..] : "!room:" + server,
            ["sender"] = "@alice:" + server,
            ["content"] = new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello" },
            ["depth"] = 3,
            ["origin_server_ts"] = originServerTs ?? Now,
            ["prev_events"] = new JsonArray(Reference(version, "prev", server)),
            ["auth_events"] = new JsonArray(Reference(version, "create", server)),
        };
        if (version.ServerGeneratedEventIds) json["event_id"] = $"$msg{Guid.NewGuid():N}:{eventIdServer ?? server}";
        return json;
    }

    private static JsonNode Reference(RoomVersion version, string name, string server) =>
        version.EventFormat == EventFormat.V1
            ? new JsonArray($"${name}:{server}", new JsonObject { ["sha256"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })
            : JsonValue.Create(EventIds.FromReferenceHash(SHA256.HashData(Encoding.UTF8.GetBytes(name)), version));

    private static JsonObject Signed(JsonObject json, RoomVersion version, string server, Ed25519SigningKey key)
    {
        EventSigning.HashAndSign(json, version, server, key);
        return json;
    }

    [TestCase("1")]
    [TestCase("4")]
    [TestCase("11")]
    [TestCase("12")]
    public async Task Event_signed_by_a_real_server_is_accepted(string versionId)
    {
        Versions.TryGet(versionId, out var version);
        var json = Signed(Message(version, A.ServerName), version, A.ServerName, await A.SigningKeyAsync());
        var result = await CheckOnBAsync(json, version);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Accepted), result.ToString());
            Assert.That(result.Pdu?.EventId, Is.EqualTo(EventIds.Of(json, version)));
        });
    }

    [Test]
    public async Task Event_signed_by_this_server_itself_is_accepted()
    {
        var key = await B.SigningKeyAsync();
        var json = Signed(Message(Versions.V11, B.ServerName), Versions.V11, B.ServerName, key);
        Assert.That((await CheckOnBAsync(json, Versions.V11)).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [Test]
    public async Task Event_whose_content_changed_after_signing_is_kept_redacted()
    {
        var json = Signed(Message(Versions.V11, A.ServerName), Versions.V11, A.ServerName, await A.SigningKeyAsync());
        json["content"]!["body"] = "not what was signed";
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Redacted));
            Assert.That(result.Pdu!.Content.ContainsKey("body"), Is.False);
        });
    }

    [Test]
    public async Task Event_signed_with_a_key_id_the_server_never_published_is_dropped()
    {
        using var unknown = Ed25519SigningKey.Generate("neverpublished");
        var json = Signed(Message(Versions.V11, A.ServerName), Versions.V11, A.ServerName, unknown);
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Dropped));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.UnknownKey));
        });
    }

    [Test]
    public async Task Event_signed_under_the_servers_key_id_by_another_key_is_dropped()
    {
        var real = await A.SigningKeyAsync();
        using var impostor = Ed25519SigningKey.Generate(real.KeyId.Version);
        var json = Signed(Message(Versions.V11, A.ServerName), Versions.V11, A.ServerName, impostor);
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.BadSignature));
    }

    [Test]
    public async Task Event_not_signed_by_the_senders_server_is_dropped()
    {
        using var key = Ed25519SigningKey.Generate("relay");
        var relay = await KeyServerAsync(key);
        var json = Signed(Message(Versions.V11, A.ServerName), Versions.V11, relay, key);
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.Dropped));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.MissingSignature));
            Assert.That(result.Failure.Detail, Does.Contain(A.ServerName));
        });
    }

    [Test]
    public async Task Event_from_a_server_that_cannot_be_reached_waits_for_its_keys()
    {
        using var key = Ed25519SigningKey.Generate("down");
        const string down = "127.0.0.1:1";
        var json = Signed(Message(Versions.V11, down), Versions.V11, down, key);
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(result.Status, Is.EqualTo(PduCheckStatus.RetryLater));
            Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.KeysUnavailable));
            Assert.That(result.WaitingFor, Is.EqualTo(new[] { down }));
            Assert.That(result.Pdu, Is.Null, "nothing about the event was verified");
        });
    }

    [Test]
    public async Task Malformed_event_is_dropped_before_any_key_is_fetched()
    {
        var json = Message(Versions.V11, "127.0.0.1:1");
        json["depth"] = "three";
        var result = await CheckOnBAsync(json, Versions.V11);
        Assert.That(result.Failure!.Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    [Test]
    public async Task From_v5_a_key_must_be_valid_when_the_event_was_sent()
    {
        using var key = Ed25519SigningKey.Generate("short");
        var server = await KeyServerAsync(key, validUntilTs: Now + 3_600_000);
        var sentAfterExpiry = Now + 2 * 3_600_000;
        var json = Signed(Message(Versions.V5, server, sentAfterExpiry), Versions.V5, server, key);
        var result = await CheckOnBAsync(json, Versions.V5);
        Assert.That(result.Failure?.Reason, Is.EqualTo(PduFailureReason.UnknownKey));
    }

    [Test]
    public async Task Before_v5_a_key_is_good_whenever_the_event_was_sent()
    {
        using var key = Ed25519SigningKey.Generate("short");
        var server = await KeyServerAsync(key, validUntilTs: Now + 3_600_000);
        var sentAfterExpiry = Now + 2 * 3_600_000;
        var json = Signed(Message(Versions.V4, server, sentAfterExpiry), Versions.V4, server, key);
        Assert.That((await CheckOnBAsync(json, Versions.V4)).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [Test]
    public async Task Old_key_is_good_for_events_sent_before_it_expired()
    {
        using var current = Ed25519SigningKey.Generate("current");
        using var retired = Ed25519SigningKey.Generate("retired");
        var expired = Now - 3_600_000;
        var server = await KeyServerAsync(current, oldKeys: [(retired, expired)]);
        var before = Signed(Message(Versions.V11, server, expired - 1000), Versions.V11, server, retired);
        var after = Signed(Message(Versions.V11, server, expired + 1000), Versions.V11, server, retired);
        var beforeResult = await CheckOnBAsync(before, Versions.V11);
        var afterResult = await CheckOnBAsync(after, Versions.V11);
        Assert.Multiple(() =>
        {
            Assert.That(beforeResult.Status, Is.EqualTo(PduCheckStatus.Accepted), beforeResult.ToString());
            Assert.That(afterResult.Failure?.Reason, Is.EqualTo(PduFailureReason.UnknownKey));
        });
    }

    [Test]
    public async Task V1_event_must_also_be_signed_by_the_server_that_named_it()
    {
        using var namerKey = Ed25519SigningKey.Generate("namer");
        var namer = await KeyServerAsync(namerKey);
        var keyOfA = await A.SigningKeyAsync();
        var onlyBySender = Signed(Message(Versions.V1, A.ServerName, eventIdServer: namer), Versions.V1, A.ServerName, keyOfA);
        var byBoth = Signed(Message(Versions.V1, A.ServerName, eventIdServer: namer), Versions.V1, A.ServerName, keyOfA);
        EventSigning.AddSignature(byBoth, Versions.V1, namer, namerKey);
        var dropped = await CheckOnBAsync(onlyBySender, Versions.V1);
        var accepted = await CheckOnBAsync(byBoth, Versions.V1);
        Assert.Multiple(() =>
        {
            Assert.That(dropped.Failure?.Reason, Is.EqualTo(PduFailureReason.MissingSignature));
            Assert.That(dropped.Failure?.Detail, Does.Contain(namer));
            Assert.That(accepted.Status, Is.EqualTo(PduCheckStatus.Accepted), accepted.ToString());
        });
    }

    [Test]
    public async Task Restricted_join_must_also_be_signed_by_the_authorising_users_server()
    {
        using var joinerKey = Ed25519SigningKey.Generate("joiner");
        var joiner = await KeyServerAsync(joinerKey);
        JsonObject Join()
        {
            var json = Message(Versions.V10, joiner);
            json["type"] = "m.room.member";
            json["state_key"] = "@alice:" + joiner;
            json["content"] = new JsonObject { ["membership"] = "join", ["join_authorised_via_users_server"] = "@admin:" + A.ServerName };
            return json;
        }
        var onlyByJoiner = Signed(Join(), Versions.V10, joiner, joinerKey);
        var countersigned = Signed(Join(), Versions.V10, joiner, joinerKey);
        EventSigning.AddSignature(countersigned, Versions.V10, A.ServerName, await A.SigningKeyAsync());
        var dropped = await CheckOnBAsync(onlyByJoiner, Versions.V10);
        var accepted = await CheckOnBAsync(countersigned, Versions.V10);
        Assert.Multiple(() =>
        {
            Assert.That(dropped.Failure?.Reason, Is.EqualTo(PduFailureReason.MissingSignature));
            Assert.That(dropped.Failure?.Detail, Does.Contain(A.ServerName));
            Assert.That(accepted.Status, Is.EqualTo(PduCheckStatus.Accepted), accepted.ToString());
        });
    }

    [Test]
    public async Task Third_party_invite_relayed_by_another_server_is_accepted_on_that_servers_signature()
    {
        using var relayKey = Ed25519SigningKey.Generate("relay");
        var relay = await KeyServerAsync(relayKey);
        var json = Message(Versions.V10, A.ServerName);
        json["type"] = "m.room.member";
        json["state_key"] = "@bob:" + relay;
        json["content"] = new JsonObject
        {
            ["membership"] = "invite",
            ["third_party_invite"] = new JsonObject { ["display_name"] = "bob", ["signed"] = new JsonObject { ["token"] = "t" } },
        };
        Signed(json, Versions.V10, relay, relayKey);
        Assert.That((await CheckOnBAsync(json, Versions.V10)).Status, Is.EqualTo(PduCheckStatus.Accepted));
    }

    [Test]
    public async Task Third_party_invite_without_any_valid_signature_is_dropped()
    {
        using var relayKey = Ed25519SigningKey.Generate("relay");
        using var forger = Ed25519SigningKey.Generate("relay");
        var relay = await KeyServerAsync(relayKey);
        var json = Message(Versions.V10, A.ServerName);
        json["type"] = "m.room.member";
        json["state_key"] = "@bob:" + relay;
        json["content"] = new JsonObject
        {
            ["membership"] = "invite",
            ["third_party_invite"] = new JsonObject { ["signed"] = new JsonObject { ["token"] = "t" } },
        };
        Signed(json, Versions.V10, relay, forger);
        Assert.That((await CheckOnBAsync(json, Versions.V10)).Status, Is.EqualTo(PduCheckStatus.Dropped));
    }
}
