using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Accounts;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Federation.Client;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// <c>GET /_matrix/federation/v1/user/devices/{userId}</c> on A, asked by B through its signed
/// federation client: a local user's devices and the version of the list.
/// </summary>
public class UserDevicesQueryTests : TwoServerFixture
{

    private Task<FederationResponse> DevicesFromBAsync(string userId) =>
        FromBAsync($"/_matrix/federation/v1/user/devices/{Esc(userId)}");

    private Task<string> LogInAgainAsync(TestUser user) => DeviceLists.LogInAsync(A, user);

    private static long StreamId(FederationResponse response) => response.Body!["stream_id"]!.GetValue<long>();

    [Test]
    public async Task A_local_users_devices_are_listed_with_their_display_names()
    {
        var alice = await A.RegisterUserAsync();
        (await alice.Client.PutAsync($"/_matrix/client/v3/devices/{alice.DeviceId}", new JsonObject { ["display_name"] = "Alice's phone" })).Ok();
        var second = await LogInAgainAsync(alice);

        var response = await DevicesFromBAsync(alice.UserId);
        Assert.That(response.Status, Is.EqualTo(200), response.Body?.ToJsonString());
        var devices = response.Body!["devices"]!.AsArray().Select(d => d!.AsObject()).ToDictionary(d => d["device_id"]!.GetValue<string>());
        Assert.Multiple(() =>
        {
            Assert.That(response.Body!["user_id"]!.GetValue<string>(), Is.EqualTo(alice.UserId));
            Assert.That(devices.Keys, Is.EquivalentTo(new[] { alice.DeviceId, second }));
            Assert.That(devices[alice.DeviceId]["device_display_name"]!.GetValue<string>(), Is.EqualTo("Alice's phone"));
        });
    }

    [Test]
    public async Task The_stream_id_grows_when_a_device_is_added()
    {
        var alice = await A.RegisterUserAsync();
        var before = StreamId(await DevicesFromBAsync(alice.UserId));
        await LogInAgainAsync(alice);
        Assert.That(StreamId(await DevicesFromBAsync(alice.UserId)), Is.GreaterThan(before));
    }

    [Test]
    public async Task The_stream_id_grows_when_a_device_is_deleted()
    {
        var alice = await A.RegisterUserAsync();
        var second = await LogInAgainAsync(alice);
        var before = StreamId(await DevicesFromBAsync(alice.UserId));
        (await PasswordAuth.SendAsync(alice, HttpMethod.Delete, $"/_matrix/client/v3/devices/{second}", new JsonObject())).Ok();
        var after = await DevicesFromBAsync(alice.UserId);
        Assert.That(StreamId(after), Is.GreaterThan(before));
        Assert.That(after.Body!["devices"]!.AsArray().Select(d => d!["device_id"]!.GetValue<string>()), Is.EqualTo(new[] { alice.DeviceId }));
    }

    [Test]
    public async Task The_stream_id_stays_while_the_list_does_not_change()
    {
        var alice = await A.RegisterUserAsync();
        var first = StreamId(await DevicesFromBAsync(alice.UserId));
        Assert.That(StreamId(await DevicesFromBAsync(alice.UserId)), Is.EqualTo(first));
    }

    [Test]
    public async Task A_user_of_another_server_is_400_M_INVALID_PARAM()
    {
        var response = await DevicesFromBAsync(UserOfB("someone"));
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task A_local_user_who_does_not_exist_is_404_M_NOT_FOUND()
    {
        var response = await DevicesFromBAsync($"@nobody-{Guid.NewGuid():N}:{A.ServerName}");
        ExpectError(response, 404, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_malformed_user_id_is_400_M_INVALID_PARAM()
    {
        var response = await DevicesFromBAsync("not-a-user-id");
        ExpectError(response, 400, "M_INVALID_PARAM");
    }

    [Test]
    public async Task An_unsigned_request_is_401_M_UNAUTHORIZED()
    {
        var alice = await A.RegisterUserAsync();
        using var http = new HttpClient { BaseAddress = A.BaseAddress };
        using var response = await http.GetAsync($"/_matrix/federation/v1/user/devices/{Uri.EscapeDataString(alice.UserId)}");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
    }
}
