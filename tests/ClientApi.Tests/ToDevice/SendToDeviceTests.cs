using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Tokens;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.ToDevice;

/// <summary>PUT /sendToDevice and the device inboxes /sync reads and acknowledges.</summary>
public class SendToDeviceTests
{
    private Homeserver _server = null!;
    private TestUser _alice = null!;
    // Observes the single process's memory: tests that read it are skipped against a cluster.
    private ToDeviceReader Reader => _server.Services.GetRequiredService<ToDeviceReader>();
    private int _txn;

    [OneTimeSetUp]
    public async Task Start()
    {
        _server = await Homeserver.StartAsync();
        _alice = await _server.RegisterUserAsync();
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _alice.Client.Dispose();
        await _server.DisposeAsync();
    }

    private string SendPath(string type = "m.test", string? txn = null) =>
        $"/_matrix/client/v3/sendToDevice/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(txn ?? "txn" + Interlocked.Increment(ref _txn))}";

    /// <summary>A second device for the user, by logging in again.</summary>
    private async Task<string> SecondDeviceAsync(TestUser user)
    {
        using var anonymous = _server.NewClient();
        var login = (await anonymous.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = user.Password,
        })).Ok();
        return login["device_id"]!.GetValue<string>();
    }

    private Task<ToDeviceBatch> InboxAsync(TestUser user, string deviceId, StreamPositionVector? since = null, int limit = 100) =>
        Reader.GetMessagesAsync(user.UserId, deviceId, since ?? StreamPositionVector.Zero, Reader.Position, limit, CancellationToken.None);

    private static JsonObject Messages(string userId, string deviceId, JsonObject content) =>
        new() { ["messages"] = new JsonObject { [userId] = new JsonObject { [deviceId] = content } } };

    [Test]
    public async Task A_message_reaches_the_named_device_with_sender_type_and_content()
    {
        var bob = await _server.RegisterUserAsync();

        (await _alice.Client.PutAsync(SendPath("m.room_key_request"), Messages(bob.UserId, bob.DeviceId, new JsonObject { ["hello"] = "bob" }))).Ok();

        var inbox = await InboxAsync(bob, bob.DeviceId);
        var message = inbox.Messages.Single().ToEvent();
        Assert.That(message["sender"]!.GetValue<string>(), Is.EqualTo(_alice.UserId));
        Assert.That(message["type"]!.GetValue<string>(), Is.EqualTo("m.room_key_request"));
        Assert.That(message["content"]!["hello"]!.GetValue<string>(), Is.EqualTo("bob"));
    }

    [Test]
    public async Task A_star_reaches_every_device_of_the_user()
    {
        var bob = await _server.RegisterUserAsync();
        var second = await SecondDeviceAsync(bob);

        (await _alice.Client.PutAsync(SendPath(), Messages(bob.UserId, "*", new JsonObject { ["all"] = true }))).Ok();

        Assert.That((await InboxAsync(bob, bob.DeviceId)).Messages, Has.Count.EqualTo(1));
        Assert.That((await InboxAsync(bob, second)).Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task A_named_device_is_not_given_the_message_of_another_device()
    {
        var bob = await _server.RegisterUserAsync();
        var second = await SecondDeviceAsync(bob);

        (await _alice.Client.PutAsync(SendPath(), Messages(bob.UserId, bob.DeviceId, new JsonObject()))).Ok();

        Assert.That((await InboxAsync(bob, second)).Messages, Is.Empty);
    }

    [Test]
    public async Task Sending_the_same_transaction_twice_delivers_once()
    {
        var bob = await _server.RegisterUserAsync();
        var path = SendPath(txn: "same-" + Guid.NewGuid());

        (await _alice.Client.PutAsync(path, Messages(bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 1 }))).Ok();
        (await _alice.Client.PutAsync(path, Messages(bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 1 }))).Ok();

        Assert.That((await InboxAsync(bob, bob.DeviceId)).Messages, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task The_same_transaction_ID_from_another_device_is_a_new_request()
    {
        var bob = await _server.RegisterUserAsync();
        var carol = await _server.RegisterUserAsync();
        var path = SendPath(txn: "shared-" + Guid.NewGuid());

        (await _alice.Client.PutAsync(path, Messages(bob.UserId, bob.DeviceId, new JsonObject()))).Ok();
        (await carol.Client.PutAsync(path, Messages(bob.UserId, bob.DeviceId, new JsonObject()))).Ok();

        Assert.That((await InboxAsync(bob, bob.DeviceId)).Messages, Has.Count.EqualTo(2));
        carol.Client.Dispose();
    }

    [Test]
    public async Task Messages_come_in_order_and_a_limited_batch_continues_where_it_stopped()
    {
        var bob = await _server.RegisterUserAsync();
        for (var i = 0; i < 5; i++)
            (await _alice.Client.PutAsync(SendPath(), Messages(bob.UserId, bob.DeviceId, new JsonObject { ["n"] = i }))).Ok();

        var first = await InboxAsync(bob, bob.DeviceId, limit: 3);
        var rest = await InboxAsync(bob, bob.DeviceId, since: first.Next, limit: 3);

        Assert.That(first.Limited, Is.True);
        var numbers = first.Messages.Concat(rest.Messages).Select(m => m.ToEvent()["content"]!["n"]!.GetValue<int>());
        Assert.That(numbers, Is.EqualTo(new[] { 0, 1, 2, 3, 4 }));
        Assert.That(rest.Limited, Is.False);
    }

    [Test]
    public async Task Acknowledged_messages_are_deleted_and_later_ones_kept()
    {
        var bob = await _server.RegisterUserAsync();
        (await _alice.Client.PutAsync(SendPath(), Messages(bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 1 }))).Ok();
        var seen = await InboxAsync(bob, bob.DeviceId);
        (await _alice.Client.PutAsync(SendPath(), Messages(bob.UserId, bob.DeviceId, new JsonObject { ["n"] = 2 }))).Ok();

        var deleted = await Reader.DeleteAcknowledgedAsync(bob.UserId, bob.DeviceId, seen.Next, CancellationToken.None);

        Assert.That(deleted, Is.EqualTo(1));
        var left = await InboxAsync(bob, bob.DeviceId);
        Assert.That(left.Messages.Select(m => m.ToEvent()["content"]!["n"]!.GetValue<int>()), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public async Task Messages_for_remote_and_unknown_users_are_dropped_without_error()
    {
        var body = new JsonObject
        {
            ["messages"] = new JsonObject
            {
                ["@someone:elsewhere.example"] = new JsonObject { ["DEV"] = new JsonObject() },
                [$"@nobody-{Guid.NewGuid():N}:{_server.ServerName}"] = new JsonObject { ["*"] = new JsonObject() },
            },
        };

        (await _alice.Client.PutAsync(SendPath(), body)).Ok();
    }

    [Test]
    public async Task A_malformed_user_ID_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.PutAsync(SendPath(), Messages("not-a-user", "DEV", new JsonObject()));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Content_that_is_not_an_object_is_400_M_BAD_JSON()
    {
        var body = new JsonObject { ["messages"] = new JsonObject { [_alice.UserId] = new JsonObject { [_alice.DeviceId] = "text" } } };

        var response = await _alice.Client.PutAsync(SendPath(), body);

        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_body_without_messages_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PutAsync(SendPath(), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task A_body_over_the_request_limit_is_413_M_TOO_LARGE()
    {
        var huge = new JsonObject { ["blob"] = new string('x', 2 * 1024 * 1024) };

        var response = await _alice.Client.PutAsync(SendPath(), Messages(_alice.UserId, _alice.DeviceId, huge));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.ErrCode, Is.EqualTo("M_TOO_LARGE"));
    }
}
