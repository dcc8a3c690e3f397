using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>GET /devices, GET/PUT/DELETE /devices/{deviceId}, POST /delete_devices.</summary>
public class DeviceTests : HomeserverFixture
{
    private const string Devices = "/_matrix/client/v3/devices";

    private async Task<(string DeviceId, MatrixTestClient Client)> LoginAsync(TestUser user, string? deviceId = null)
    {
        var response = await PasswordLogin.LogInAsync(Server, user, deviceId);
        return (response["device_id"]!.GetValue<string>(), Server.NewClient(response["access_token"]!.GetValue<string>()));
    }

    [Test]
    public async Task List_devices_shows_every_device_of_the_user_only()
    {
        var user = await Server.RegisterUserAsync();
        var (second, client) = await LoginAsync(user);
        using var _ = client;
        await Server.RegisterUserAsync();

        var devices = (await user.Client.GetAsync(Devices)).Ok()["devices"]!.AsArray();

        Assert.That(devices.Select(d => d!["device_id"]!.GetValue<string>()), Is.EquivalentTo(new[] { user.DeviceId, second }));
        Assert.That(devices[0]!["last_seen_ts"], Is.Not.Null);
    }

    [Test]
    public async Task Get_device_returns_it()
    {
        var user = await Server.RegisterUserAsync();

        var device = (await user.Client.GetAsync($"{Devices}/{user.DeviceId}")).Ok();

        Assert.That(device["device_id"]!.GetValue<string>(), Is.EqualTo(user.DeviceId));
    }

    [Test]
    public async Task Get_unknown_device_is_404_M_NOT_FOUND()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.GetAsync($"{Devices}/NOSUCHDEVICE");

        response.Expect(HttpStatusCode.NotFound);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Get_another_users_device_is_404_M_NOT_FOUND()
    {
        var user = await Server.RegisterUserAsync();
        var other = await Server.RegisterUserAsync();

        var response = await user.Client.GetAsync($"{Devices}/{other.DeviceId}");

        response.Expect(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Device_id_with_encoded_slash_is_read_from_the_raw_path()
    {
        var user = await Server.RegisterUserAsync();
        var (deviceId, client) = await LoginAsync(user, "with/slash");
        using var _ = client;

        var device = (await user.Client.GetAsync($"{Devices}/with%2Fslash")).Ok();

        Assert.That(device["device_id"]!.GetValue<string>(), Is.EqualTo(deviceId));
    }

    [Test]
    public async Task Put_device_sets_its_display_name()
    {
        var user = await Server.RegisterUserAsync();

        (await user.Client.PutAsync($"{Devices}/{user.DeviceId}", new JsonObject { ["display_name"] = "Work laptop" })).Ok();

        var device = (await user.Client.GetAsync($"{Devices}/{user.DeviceId}")).Ok();
        Assert.That(device["display_name"]!.GetValue<string>(), Is.EqualTo("Work laptop"));
    }

    [Test]
    public async Task Put_unknown_device_is_404_M_NOT_FOUND()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PutAsync($"{Devices}/NOSUCHDEVICE", new JsonObject { ["display_name"] = "x" });

        response.Expect(HttpStatusCode.NotFound);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Put_device_with_too_long_name_is_400_M_INVALID_PARAM()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PutAsync($"{Devices}/{user.DeviceId}", new JsonObject { ["display_name"] = new string('n', 10_000) });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Delete_device_without_auth_is_401_with_password_flow()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.DeleteAsync($"{Devices}/{user.DeviceId}");

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.Object["flows"]!.ToJsonString(), Is.EqualTo("""[{"stages":["m.login.password"]}]"""));
        Assert.That(response.ErrCode, Is.Null);
    }

    [Test]
    public async Task Delete_device_with_password_revokes_its_token()
    {
        var user = await Server.RegisterUserAsync();
        var (second, client) = await LoginAsync(user);
        using var _ = client;

        (await PasswordAuth.SendAsync(user, HttpMethod.Delete, $"{Devices}/{second}", new JsonObject())).Ok();

        var response = await client.GetAsync("/_matrix/client/v3/account/whoami");
        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN_TOKEN"));
        (await user.Client.GetAsync($"{Devices}/{second}")).Expect(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Delete_device_with_wrong_password_is_401_M_FORBIDDEN_and_keeps_it()
    {
        var user = await Server.RegisterUserAsync();
        var (second, client) = await LoginAsync(user);
        using var _ = client;

        var response = await PasswordAuth.SendAsync(user, HttpMethod.Delete, $"{Devices}/{second}", new JsonObject(), password: "wrong");

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        Assert.That(response.Object["flows"], Is.Not.Null);
        (await client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Delete_device_with_another_users_password_is_refused()
    {
        var user = await Server.RegisterUserAsync();
        var other = await Server.RegisterUserAsync();
        var challenge = await user.Client.DeleteAsync($"{Devices}/{user.DeviceId}");

        var response = await user.Client.DeleteAsync($"{Devices}/{user.DeviceId}", new JsonObject
        {
            ["auth"] = PasswordAuth.For(other, challenge.Object["session"]!.GetValue<string>()),
        });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Session_of_another_user_cannot_authorise_a_delete()
    {
        var user = await Server.RegisterUserAsync();
        var other = await Server.RegisterUserAsync();
        var othersChallenge = await other.Client.DeleteAsync($"{Devices}/{other.DeviceId}");

        var response = await user.Client.DeleteAsync($"{Devices}/{user.DeviceId}", new JsonObject
        {
            ["auth"] = PasswordAuth.For(user, othersChallenge.Object["session"]!.GetValue<string>()),
        });

        response.Expect(HttpStatusCode.BadRequest);
        (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Delete_devices_removes_the_listed_devices()
    {
        var user = await Server.RegisterUserAsync();
        var (a, clientA) = await LoginAsync(user);
        var (b, clientB) = await LoginAsync(user);
        using var _ = clientA;
        using var __ = clientB;

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, "/_matrix/client/v3/delete_devices",
            new JsonObject { ["devices"] = new JsonArray(a, b, "NOT-MINE") })).Ok();

        var devices = (await user.Client.GetAsync(Devices)).Ok()["devices"]!.AsArray();
        Assert.That(devices.Select(d => d!["device_id"]!.GetValue<string>()), Is.EqualTo(new[] { user.DeviceId }));
        (await clientA.GetAsync("/_matrix/client/v3/account/whoami")).Expect(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Delete_devices_without_list_is_400_M_MISSING_PARAM()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PostAsync("/_matrix/client/v3/delete_devices", new JsonObject());

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task Delete_devices_with_non_string_entries_is_400_M_BAD_JSON()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PostAsync("/_matrix/client/v3/delete_devices", new JsonObject { ["devices"] = new JsonArray(1, true) });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Devices_without_token_is_401_M_MISSING_TOKEN()
    {
        using var client = Server.NewClient();

        var response = await client.GetAsync(Devices);

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }
}
