using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>POST /account/password behind m.login.password.</summary>
public class PasswordChangeTests : HomeserverFixture
{
    private const string ChangePassword = "/_matrix/client/v3/account/password";

    private async Task<MatrixResponse> LoginAsync(TestUser user, string password)
    {
        using var anonymous = Server.NewClient();
        return await anonymous.PostAsync("/_matrix/client/v3/login", new JsonObject
        {
            ["type"] = "m.login.password",
            ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user.UserId },
            ["password"] = password,
        });
    }

    [Test]
    public async Task New_password_works_and_old_one_no_longer_does()
    {
        var user = await Server.RegisterUserAsync();

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, ChangePassword, new JsonObject { ["new_password"] = "brand-new" })).Ok();

        (await LoginAsync(user, "brand-new")).Ok();
        (await LoginAsync(user, user.Password)).Expect(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task Change_logs_out_other_devices_by_default_but_keeps_the_current_one()
    {
        var user = await Server.RegisterUserAsync();
        using var other = Server.NewClient((await LoginAsync(user, user.Password)).Ok()["access_token"]!.GetValue<string>());

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, ChangePassword, new JsonObject { ["new_password"] = "another" })).Ok();

        (await other.GetAsync("/_matrix/client/v3/account/whoami")).Expect(HttpStatusCode.Unauthorized);
        (await user.Client.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Change_with_logout_devices_false_keeps_other_devices()
    {
        var user = await Server.RegisterUserAsync();
        using var other = Server.NewClient((await LoginAsync(user, user.Password)).Ok()["access_token"]!.GetValue<string>());

        (await PasswordAuth.SendAsync(user, HttpMethod.Post, ChangePassword,
            new JsonObject { ["new_password"] = "kept", ["logout_devices"] = false })).Ok();

        (await other.GetAsync("/_matrix/client/v3/account/whoami")).Ok();
    }

    [Test]
    public async Task Change_with_wrong_current_password_is_401_M_FORBIDDEN()
    {
        var user = await Server.RegisterUserAsync();

        var response = await PasswordAuth.SendAsync(user, HttpMethod.Post, ChangePassword,
            new JsonObject { ["new_password"] = "nope" }, password: "not-my-password");

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
        (await LoginAsync(user, user.Password)).Ok();
    }

    [Test]
    public async Task Change_without_new_password_is_400_M_MISSING_PARAM()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PostAsync(ChangePassword, new JsonObject());

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_PARAM"));
    }

    [Test]
    public async Task Change_to_empty_password_is_400_M_WEAK_PASSWORD()
    {
        var user = await Server.RegisterUserAsync();

        var response = await user.Client.PostAsync(ChangePassword, new JsonObject { ["new_password"] = "" });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_WEAK_PASSWORD"));
    }

    [Test]
    public async Task Change_without_token_is_401_M_MISSING_TOKEN()
    {
        using var client = Server.NewClient();

        var response = await client.PostAsync(ChangePassword, new JsonObject { ["new_password"] = "x" });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }
}
