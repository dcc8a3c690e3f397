using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Replication.Streams.AccountData;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.AccountData;

/// <summary>GET/PUT account data, global and per room, and what /sync reads of it.</summary>
public class AccountDataTests
{
    private Homeserver _server = null!;
    private TestUser _alice = null!;
    private TestUser _bob = null!;
    // Observes the single process's memory: tests that read it are skipped against a cluster.
    private AccountDataReader Reader => _server.Services.GetRequiredService<AccountDataReader>();

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _alice = await _server.RegisterUserAsync();
        _bob = await _server.RegisterUserAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _alice.Client.Dispose();
        _bob.Client.Dispose();
        await _server.DisposeAsync();
    }

    private static string Global(TestUser user, string type) =>
        $"/_matrix/client/v3/user/{Uri.EscapeDataString(user.UserId)}/account_data/{Uri.EscapeDataString(type)}";

    private static string InRoom(TestUser user, string room, string type) =>
        $"/_matrix/client/v3/user/{Uri.EscapeDataString(user.UserId)}/rooms/{Uri.EscapeDataString(room)}/account_data/{Uri.EscapeDataString(type)}";

    /// <summary>Room account data needs no room to exist: any well-formed room ID.</summary>
    private string NewRoomId() => $"!{Guid.NewGuid():N}:{_server.ServerName}";

    private static string NewType() => "org.example.test." + Guid.NewGuid().ToString("N");

    [Test]
    public async Task Global_account_data_reads_back_what_was_put()
    {
        var type = NewType();
        var content = new JsonObject { ["colour"] = "blue", ["n"] = 3, ["nested"] = new JsonObject { ["é"] = true } };

        (await _alice.Client.PutAsync(Global(_alice, type), content)).Ok();

        var read = (await _alice.Client.GetAsync(Global(_alice, type))).Ok();
        Assert.That(JsonNode.DeepEquals(read, content), Is.True, read.ToJsonString());
    }

    [Test]
    public async Task Putting_again_replaces_the_content()
    {
        var type = NewType();
        (await _alice.Client.PutAsync(Global(_alice, type), new JsonObject { ["v"] = 1 })).Ok();

        (await _alice.Client.PutAsync(Global(_alice, type), new JsonObject { ["v"] = 2 })).Ok();

        Assert.That((await _alice.Client.GetAsync(Global(_alice, type))).Ok()["v"]!.GetValue<int>(), Is.EqualTo(2));
    }

    [Test]
    public async Task Room_account_data_is_separate_from_global_account_data()
    {
        var type = NewType();
        var room = NewRoomId();

        (await _alice.Client.PutAsync(InRoom(_alice, room, type), new JsonObject { ["where"] = "room" })).Ok();

        Assert.That((await _alice.Client.GetAsync(InRoom(_alice, room, type))).Ok()["where"]!.GetValue<string>(), Is.EqualTo("room"));
        Assert.That((await _alice.Client.GetAsync(Global(_alice, type))).ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Unset_account_data_is_404_M_NOT_FOUND()
    {
        var response = await _alice.Client.GetAsync(Global(_alice, NewType()));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Reading_another_users_account_data_is_403_M_FORBIDDEN()
    {
        var type = NewType();
        (await _bob.Client.PutAsync(Global(_bob, type), new JsonObject { ["secret"] = "bob's" })).Ok();

        var response = await _alice.Client.GetAsync(Global(_bob, type));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        Assert.That(response.Body?.ToJsonString(), Does.Not.Contain("bob's"));
    }

    [Test]
    public async Task Writing_another_users_account_data_is_403_M_FORBIDDEN_and_changes_nothing()
    {
        var type = NewType();

        var response = await _alice.Client.PutAsync(Global(_bob, type), new JsonObject { ["planted"] = true });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That((await _bob.Client.GetAsync(Global(_bob, type))).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task Writing_another_users_room_account_data_is_403_M_FORBIDDEN()
    {
        var response = await _alice.Client.PutAsync(InRoom(_bob, NewRoomId(), NewType()), new JsonObject());

        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [TestCase("m.fully_read")]
    [TestCase("m.push_rules")]
    public async Task Setting_a_server_managed_type_is_405_M_BAD_JSON(string type)
    {
        var global = await _alice.Client.PutAsync(Global(_alice, type), new JsonObject { ["event_id"] = "$x:y" });
        var room = await _alice.Client.PutAsync(InRoom(_alice, NewRoomId(), type), new JsonObject { ["event_id"] = "$x:y" });

        Assert.That(global.Status, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(global.ErrCode, Is.EqualTo("M_BAD_JSON"));
        Assert.That(room.Status, Is.EqualTo(HttpStatusCode.MethodNotAllowed));
        Assert.That(room.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Reading_m_push_rules_gives_the_users_push_rules()
    {
        var rules = (await _alice.Client.GetAsync(Global(_alice, "m.push_rules"))).Ok();

        Assert.That(rules["global"]!["override"]!.AsArray().Select(r => r!["rule_id"]!.GetValue<string>()), Does.Contain(".m.rule.master"));
    }

    [Test]
    public async Task A_body_that_is_not_an_object_is_400()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, Global(_alice, NewType()), Encoding.UTF8.GetBytes("[1, 2]"));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_body_that_is_not_JSON_is_400_M_NOT_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, Global(_alice, NewType()), Encoding.UTF8.GetBytes("{not json"));

        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task A_body_that_is_not_UTF8_is_400_M_NOT_JSON()
    {
        var body = new byte[] { (byte)'{', (byte)'"', 0xFF, 0xFE, (byte)'"', (byte)':', (byte)'1', (byte)'}' };

        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, Global(_alice, NewType()), body);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task Deeply_nested_content_is_refused_with_400()
    {
        var depth = 5000;
        var body = Encoding.UTF8.GetBytes("{\"a\":" + new string('[', depth) + new string(']', depth) + "}");

        var response = await _alice.Client.SendRawAsync(HttpMethod.Put, Global(_alice, NewType()), body);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task Content_over_the_limit_is_413_M_TOO_LARGE()
    {
        var type = NewType();
        var content = new JsonObject { ["blob"] = new string('x', 300 * 1024) };

        var response = await _alice.Client.PutAsync(Global(_alice, type), content);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.ErrCode, Is.EqualTo("M_TOO_LARGE"));
        Assert.That((await _alice.Client.GetAsync(Global(_alice, type))).Status, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [Test]
    public async Task An_overlong_type_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PutAsync(Global(_alice, new string('t', 300)), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_malformed_room_ID_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PutAsync(InRoom(_alice, "no-sigil", NewType()), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task The_reader_lists_changes_between_two_positions_with_their_content()
    {
        var user = await _server.RegisterUserAsync();
        var room = NewRoomId();
        (await user.Client.PutAsync(Global(user, "org.example.before"), new JsonObject { ["v"] = 0 })).Ok();
        var from = Reader.Position;

        (await user.Client.PutAsync(Global(user, "org.example.after"), new JsonObject { ["v"] = 1 })).Ok();
        (await user.Client.PutAsync(InRoom(user, room, "m.tag"), new JsonObject { ["tags"] = new JsonObject() })).Ok();

        var changed = await Reader.GetChangedAsync(user.UserId, from, Reader.Position, CancellationToken.None);
        Assert.That(changed.Global.Select(e => e.Type), Is.EqualTo(new[] { "org.example.after" }));
        Assert.That(changed.Rooms[room].Select(e => e.Type), Is.EqualTo(new[] { "m.tag" }));
        Assert.That(changed.Global[0].ToEvent()["content"]!["v"]!.GetValue<int>(), Is.EqualTo(1));
        var all = await Reader.GetAllAsync(user.UserId, CancellationToken.None);
        Assert.That(all.Global.Select(e => e.Type), Is.EquivalentTo(new[] { "org.example.before", "org.example.after" }));
        user.Client.Dispose();
    }

    [Test]
    public async Task The_reader_does_not_show_one_users_changes_to_another()
    {
        var from = Reader.Position;

        (await _bob.Client.PutAsync(Global(_bob, NewType()), new JsonObject())).Ok();

        var changed = await Reader.GetChangedAsync(_alice.UserId, from, Reader.Position, CancellationToken.None);
        Assert.That(changed.IsEmpty, Is.True);
    }
}
