using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;
using Cluster.Shared.Storage.Keys;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Keys between two real homeservers on loopback: A publishes, B fetches, checks, caches and
/// serves them as a notary; fake servers that lie, stall or flood are not believed.
/// </summary>
public class ServerKeysTests : TwoServerFixture
{

    // A's keys live 3 s, so that B needs them again soon; B asks again as often as needed.
    protected override IReadOnlyDictionary<string, string> SettingsOfA =>
        new Dictionary<string, string> { ["Cluster:Federation:KeyValidity"] = "00:00:03" };

    protected override IReadOnlyDictionary<string, string> SettingsOfB => new Dictionary<string, string>
    {
        ["Cluster:Federation:KeyRefetchBackoff"] = "00:00:00",
        ["Cluster:Federation:KeyFetchTimeout"] = "00:00:02",
    };

    private static ServerName Name(Homeserver server) => ServerName.Parse(server.ServerName);
    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private ServerKeyRing RingOfB => B.Services.GetRequiredService<ServerKeyRing>();

    private async Task<Ed25519VerifyKey> PublishedKeyOfA()
    {
        using var client = A.NewClient();
        var (keyId, entry) = (await client.GetAsync("/_matrix/key/v2/server")).Ok()["verify_keys"]!.AsObject().Single();
        return Ed25519VerifyKey.Parse(keyId, entry!["key"]!.GetValue<string>());
    }

    [Test]
    public async Task Key_server_publishes_a_document_naming_itself_and_signed_by_its_key()
    {
        using var client = A.NewClient();
        var doc = (await client.GetAsync("/_matrix/key/v2/server")).Ok();
        var key = await PublishedKeyOfA();
        Assert.Multiple(() =>
        {
            Assert.That(doc["server_name"]!.GetValue<string>(), Is.EqualTo(A.ServerName));
            Assert.That(doc["old_verify_keys"], Is.InstanceOf<JsonObject>());
            Assert.That(doc["valid_until_ts"]!.GetValue<long>(), Is.InRange(Now, Now + 7L * 24 * 3600 * 1000));
            Assert.That(JsonSignatures.Verify(doc, A.ServerName, key).IsValid, Is.True);
        });
    }

    [Test]
    public async Task Remote_server_fetches_and_verifies_the_keys()
    {
        var published = await PublishedKeyOfA();
        var fetched = await RingOfB.GetVerifyKeyAsync(Name(A), published.KeyId, Now, CancellationToken.None);
        Assert.That(fetched?.PublicKeyBase64, Is.EqualTo(published.PublicKeyBase64));
    }

    [Test]
    public async Task Key_needed_past_its_validity_is_fetched_again()
    {
        var published = await PublishedKeyOfA();
        await RingOfB.GetVerifyKeyAsync(Name(A), published.KeyId, Now, CancellationToken.None);
        var store = B.Services.GetRequiredService<ServerKeyStore>();
        var first = await store.GetAsync(Name(A), published.KeyId.ToString(), CancellationToken.None);

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        Assert.That(first!.IsUsableAt(Now), Is.False, "A's keys live 3 s");
        var again = await RingOfB.GetVerifyKeyAsync(Name(A), published.KeyId, Now, CancellationToken.None);
        var second = await store.GetAsync(Name(A), published.KeyId.ToString(), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(again, Is.Not.Null);
            Assert.That(second!.ValidUntilTs, Is.GreaterThan(first.ValidUntilTs));
        });
    }

    [Test]
    public async Task Unknown_key_id_of_a_real_server_is_not_found()
    {
        var key = await RingOfB.GetVerifyKeyAsync(Name(A), SigningKeyId.Ed25519("nosuchkey"), Now, CancellationToken.None);
        Assert.That(key, Is.Null);
    }

    [Test]
    public async Task Notary_post_query_returns_the_keys_signed_by_the_server_and_the_notary()
    {
        using var client = B.NewClient();
        var body = new JsonObject { ["server_keys"] = new JsonObject { [A.ServerName] = new JsonObject() } };
        var responses = (await client.PostAsync("/_matrix/key/v2/query", body)).Ok()["server_keys"]!.AsArray();
        Assert.That(responses, Has.Count.EqualTo(1));
        var doc = responses[0]!.AsObject();
        var aKey = await PublishedKeyOfA();
        using var bClient = B.NewClient();
        var (bKeyId, bEntry) = (await bClient.GetAsync("/_matrix/key/v2/server")).Ok()["verify_keys"]!.AsObject().Single();
        var bKey = Ed25519VerifyKey.Parse(bKeyId, bEntry!["key"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(doc["server_name"]!.GetValue<string>(), Is.EqualTo(A.ServerName));
            Assert.That(JsonSignatures.Verify(doc, A.ServerName, aKey).IsValid, Is.True, "A's own signature");
            Assert.That(JsonSignatures.Verify(doc, B.ServerName, bKey).IsValid, Is.True, "the notary's signature");
        });
    }

    [Test]
    public async Task Notary_get_query_fetches_keys_fresh_enough_for_the_minimum_validity()
    {
        using var client = B.NewClient();
        var minimum = Now + 1000;
        var responses = (await client.GetAsync($"/_matrix/key/v2/query/{A.ServerName}?minimum_valid_until_ts={minimum}"))
            .Ok()["server_keys"]!.AsArray();
        Assert.That(responses.Single()!["valid_until_ts"]!.GetValue<long>(), Is.GreaterThanOrEqualTo(minimum));
    }

    [Test]
    public async Task Notary_answers_for_itself()
    {
        using var client = B.NewClient();
        var responses = (await client.GetAsync($"/_matrix/key/v2/query/{B.ServerName}")).Ok()["server_keys"]!.AsArray();
        Assert.That(responses.Single()!["server_name"]!.GetValue<string>(), Is.EqualTo(B.ServerName));
    }

    [Test]
    public async Task Notary_query_for_an_unreachable_server_is_an_empty_list()
    {
        using var client = B.NewClient();
        var responses = (await client.GetAsync("/_matrix/key/v2/query/127.0.0.1:1")).Ok()["server_keys"]!.AsArray();
        Assert.That(responses, Is.Empty);
    }

    [Test]
    public async Task Notary_query_with_an_invalid_server_name_is_400_M_INVALID_PARAM()
    {
        using var client = B.NewClient();
        var body = new JsonObject { ["server_keys"] = new JsonObject { ["not a server!"] = new JsonObject() } };
        Assert.That((await client.PostAsync("/_matrix/key/v2/query", body)).Expect(HttpStatusCode.BadRequest).ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Notary_query_without_server_keys_is_400_M_BAD_JSON()
    {
        using var client = B.NewClient();
        var response = await client.PostAsync("/_matrix/key/v2/query", new JsonObject { ["server_keys"] = new JsonArray() });
        Assert.That(response.Expect(HttpStatusCode.BadRequest).ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Notary_query_with_a_bad_minimum_valid_until_ts_is_400()
    {
        using var client = B.NewClient();
        var response = await client.GetAsync($"/_matrix/key/v2/query/{A.ServerName}?minimum_valid_until_ts=soon");
        Assert.That(response.Expect(HttpStatusCode.BadRequest).ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Key_response_naming_another_server_is_not_believed()
    {
        // The fake relays A's genuine, A-signed document as if it were its own answer.
        using var aClient = A.NewClient();
        var aDocument = (await aClient.GetAsync("/_matrix/key/v2/server")).Ok().ToJsonString();
        await using var fake = await FakeRemoteServer.StartAsync(context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(aDocument);
        });
        var aKey = await PublishedKeyOfA();

        var fetched = await RingOfB.FetchAsync(ServerName.Parse(fake.ServerName), CancellationToken.None);
        var planted = await RingOfB.GetVerifyKeyAsync(ServerName.Parse(fake.ServerName), aKey.KeyId, Now, CancellationToken.None);
        var stored = await B.Services.GetRequiredService<ServerKeyStore>().GetResponseAsync(ServerName.Parse(fake.ServerName), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(fetched, Is.Null);
            Assert.That(planted, Is.Null);
            Assert.That(stored, Is.Null);
        });
    }

    [Test]
    public async Task Key_response_forging_keys_for_another_server_does_not_replace_its_keys()
    {
        // The fake signs a document for A with its own key: asked as itself it is refused,
        // and B keeps believing A's real key.
        using var forger = Ed25519SigningKey.Generate("forged");
        var aKey = await PublishedKeyOfA();
        await using var fake = await FakeRemoteServer.StartAsync(context =>
        {
            var doc = new JsonObject
            {
                ["server_name"] = A.ServerName,
                ["valid_until_ts"] = Now + 3_600_000,
                ["verify_keys"] = new JsonObject { [aKey.KeyId.ToString()] = new JsonObject { ["key"] = forger.PublicKeyBase64 } },
            };
            JsonSignatures.Sign(doc, A.ServerName, forger);
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync(doc.ToJsonString());
        });

        Assert.That(await RingOfB.FetchAsync(ServerName.Parse(fake.ServerName), CancellationToken.None), Is.Null);
        var believed = await RingOfB.GetVerifyKeyAsync(Name(A), aKey.KeyId, Now, CancellationToken.None);
        Assert.That(believed?.PublicKeyBase64, Is.EqualTo(aKey.PublicKeyBase64));
    }

    [Test]
    public async Task Stalling_key_server_is_given_up_on_after_the_fetch_timeout()
    {
        await using var fake = await FakeRemoteServer.StartAsync(async context =>
            await Task.Delay(TimeSpan.FromSeconds(60), context.RequestAborted));
        var clock = Stopwatch.StartNew();
        var fetched = await RingOfB.FetchAsync(ServerName.Parse(fake.ServerName), CancellationToken.None);
        Assert.Multiple(() =>
        {
            Assert.That(fetched, Is.Null);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "B's key fetch timeout is 2 s");
        });
    }

    [Test]
    public async Task Huge_key_response_is_refused()
    {
        // A raw socket rather than Kestrel: once the peer has gone, Kestrel's response writes
        // complete as no-ops until it signals the abort, so it cannot count what was delivered.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var bytesWritten = 0L;
        var serving = Task.Run(async () =>
        {
            using var connection = await listener.AcceptTcpClientAsync();
            await using var stream = connection.GetStream();
            var request = new byte[8192];
            var received = 0;
            while (received < request.Length && !System.Text.Encoding.ASCII.GetString(request, 0, received).Contains("\r\n\r\n"))
            {
                var read = await stream.ReadAsync(request.AsMemory(received));
                if (read == 0)
                    return;
                received += read;
            }
            // Far more than any key document, chunked, without a Content-Length.
            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray());
            var chunk = System.Text.Encoding.ASCII.GetBytes("10000\r\n" + new string(' ', 0x10000) + "\r\n");
            try
            {
                for (var i = 0; i < 1024; i++)
                {
                    await stream.WriteAsync(chunk);
                    Interlocked.Add(ref bytesWritten, 0x10000);
                }
            }
            catch (IOException)
            {
                // B hung up, as it should.
            }
        });

        var fetched = await RingOfB.FetchAsync(ServerName.Parse($"127.0.0.1:{port}"), CancellationToken.None);
        await serving.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Multiple(() =>
        {
            Assert.That(fetched, Is.Null);
            Assert.That(Interlocked.Read(ref bytesWritten), Is.LessThan(64L * 1024 * 1024), "B stopped reading long before the end");
        });
    }
}
