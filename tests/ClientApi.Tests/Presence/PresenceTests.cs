using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Presence;

/// <summary>Presence is disabled: updates are validated and accepted, everyone reads as offline.</summary>
public class PresenceTests : HomeserverFixture
{
    private TestUser _alice = null!;
    private TestUser _bob = null!;

    protected override async Task OnStartedAsync()
    {
        _alice = await Server.RegisterUserAsync();
        _bob = await Server.RegisterUserAsync();
    }

    private static string Path(TestUser user) => $"/_matrix/client/v3/presence/{Uri.EscapeDataString(user.UserId)}/status";

    [Test]
    public async Task Setting_your_own_status_is_accepted()
    {
        var response = await _alice.Client.PutAsync(Path(_alice), new JsonObject { ["presence"] = "online", ["status_msg"] = "here" });
        Assert.That(response.Ok(), Is.Empty);
    }

    [Test]
    public async Task Everyone_reads_as_offline_even_after_setting_online()
    {
        await _bob.Client.PutAsync(Path(_bob), new JsonObject { ["presence"] = "online" });
        var status = (await _alice.Client.GetAsync(Path(_bob))).Ok();
        Assert.That(status["presence"]!.GetValue<string>(), Is.EqualTo("offline"));
    }

    [Test]
    public async Task Setting_another_users_status_is_403_M_FORBIDDEN()
    {
        var response = await _alice.Client.PutAsync(Path(_bob), new JsonObject { ["presence"] = "online" });
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task An_unknown_presence_state_is_400_M_BAD_JSON()
    {
        var response = await _alice.Client.PutAsync(Path(_alice), new JsonObject { ["presence"] = "dancing" });
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Status_of_an_unknown_user_is_404_M_NOT_FOUND()
    {
        var response = await _alice.Client.GetAsync($"/_matrix/client/v3/presence/{Uri.EscapeDataString("@nobody:" + Server.ServerName)}/status");
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task A_malformed_user_id_is_400_M_INVALID_PARAM()
    {
        var response = await _alice.Client.GetAsync("/_matrix/client/v3/presence/..%2F..%2Fadmin/status");
        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }
}
