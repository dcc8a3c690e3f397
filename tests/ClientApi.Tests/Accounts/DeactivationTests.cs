using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>POST /account/deactivate behind m.login.password.</summary>
public class DeactivationTests : HomeserverFixture
{
    private const string Deactivate = "/_matrix/client/v3/account/deactivate";

    private async Task<MatrixResponse> LoginAsync(string user, string password)
    {
        using var anonymous = Server.NewClient();
        return await anonymous.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
            ["password"] = password,
        });
    }

    private static async Task<JsonObject> DeactivateAsync(TestUser user) =>
        (await PasswordAuth.SendAsync(user, HttpMethod.Post, Deactivate, new JsonObject())).Ok();

    [Test]
    public async Task Deactivate_answers_id_server_unbind_result()
    {
        var user = await Server.RegisterUserAsync();

        var response = await DeactivateAsync(user);

        Assert.That(response["id_server_unbind_result"]!.GetValue<string>(), Is.EqualTo("no-support"));
    }

    [Test]
    public async Task Deactivate_revokes_every_token()
    {
        var user = await Server.RegisterUserAsync();
        using var second = Server.NewClient((await LoginAsync(user.UserId, user.Password)).Ok()["access_token"]!.GetValue<string>());

        await DeactivateAsync(user);

        (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Expect(HttpStatusCode.Unauthorized);
        (await second.GetAsync("/_matrix/client/v3/account/whoami")).Expect(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Login_after_deactivation_is_403_M_USER_DEACTIVATED()
    {
        var user = await Server.RegisterUserAsync();
        await DeactivateAsync(user);

        var response = await LoginAsync(user.UserId, user.Password);

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_USER_DEACTIVATED"));
    }

    [Test]
    public async Task Login_after_deactivation_with_wrong_password_reveals_nothing()
    {
        var user = await Server.RegisterUserAsync();
        await DeactivateAsync(user);

        var response = await LoginAsync(user.UserId, "guess");

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Deactivated_user_id_cannot_be_registered_again()
    {
        var user = await Server.RegisterUserAsync();
        await DeactivateAsync(user);
        using var anonymous = Server.NewClient();

        var response = await anonymous.GetAsync($"/_matrix/client/v3/register/available?username={user.UserId[1..user.UserId.IndexOf(':')]}");

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_USER_IN_USE"));
    }

    [Test]
    public async Task Deactivate_with_wrong_password_keeps_the_account()
    {
        var user = await Server.RegisterUserAsync();

        var response = await PasswordAuth.SendAsync(user, HttpMethod.Post, Deactivate, new JsonObject(), password: "wrong");

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Deactivate_without_auth_is_401_with_password_flow()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PostAsync(Deactivate, new JsonObject());

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.Object["flows"]!.ToJsonString(), Does.Contain("m.login.password"));
        (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }
}
