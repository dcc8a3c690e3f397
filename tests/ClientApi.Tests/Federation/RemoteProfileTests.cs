using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A's client reads the profile of a user of B: A asks B's <c>/query/profile</c>, keeps the answer
/// for a minute, and turns B's refusals and failures into the client's errors.
/// </summary>
public class RemoteProfileTests : TwoServerFixture
{

    // A short request timeout: a server that cannot be found fails the client's request soon.
    protected override IReadOnlyDictionary<string, string> SettingsOfA =>
        new Dictionary<string, string> { ["Cluster:Federation:RequestTimeout"] = "00:00:10" };

    private async Task<TestUser> BobWithProfileAsync(string name, string? avatar = null)
    {
        var bob = await B.RegisterUserAsync();
        (await bob.Client.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(bob.UserId)}/displayname",
            new JsonObject { ["displayname"] = name })).Ok();
        if (avatar is not null)
            (await bob.Client.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(bob.UserId)}/avatar_url",
                new JsonObject { ["avatar_url"] = avatar })).Ok();
        return bob;
    }

    private Task<MatrixResponse> ProfileAsync(string userId, string suffix = "") =>
        Alice.Client.GetAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(userId)}{suffix}");

    [Test]
    public async Task The_profile_of_another_servers_user_comes_from_their_server()
    {
        var bob = await BobWithProfileAsync("Bob of B", "mxc://b/avatar");
        var profile = (await ProfileAsync(bob.UserId)).Ok();
        Assert.Multiple(() =>
        {
            Assert.That(profile["displayname"].Str(), Is.EqualTo("Bob of B"));
            Assert.That(profile["avatar_url"].Str(), Is.EqualTo("mxc://b/avatar"));
        });
    }

    [Test]
    public async Task The_displayname_of_another_servers_user_is_only_that_field()
    {
        var bob = await BobWithProfileAsync("Bob the name", "mxc://b/other");
        var name = (await ProfileAsync(bob.UserId, "/displayname")).Ok();
        Assert.That(name.Select(p => p.Key), Is.EqualTo(new[] { "displayname" }));
        Assert.That(name["displayname"].Str(), Is.EqualTo("Bob the name"));
    }

    [Test]
    public async Task The_avatar_url_of_another_servers_user_is_only_that_field()
    {
        var bob = await BobWithProfileAsync("Bob with avatar", "mxc://b/face");
        var avatar = (await ProfileAsync(bob.UserId, "/avatar_url")).Ok();
        Assert.That(avatar.Select(p => p.Key), Is.EqualTo(new[] { "avatar_url" }));
        Assert.That(avatar["avatar_url"].Str(), Is.EqualTo("mxc://b/face"));
    }

    [Test]
    public async Task A_user_their_server_does_not_know_is_404_M_NOT_FOUND()
    {
        var response = await ProfileAsync($"@nobody-{Guid.NewGuid():N}:{B.ServerName}");
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task A_remote_profile_is_kept_for_a_minute_rather_than_asked_again()
    {
        var bob = await BobWithProfileAsync("Before");
        Assert.That((await ProfileAsync(bob.UserId)).Ok()["displayname"].Str(), Is.EqualTo("Before"));
        (await bob.Client.PutAsync($"/_matrix/client/v3/profile/{Uri.EscapeDataString(bob.UserId)}/displayname",
            new JsonObject { ["displayname"] = "After" })).Ok();
        Assert.That((await ProfileAsync(bob.UserId)).Ok()["displayname"].Str(), Is.EqualTo("Before"));
    }

    [Test]
    public async Task Repeated_reads_of_one_remote_profile_make_one_federation_request()
    {
        var requests = 0;
        await using var remote = await FakeRemoteServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            await context.Response.WriteAsJsonAsync(new { displayname = "Fake" });
        });
        var user = $"@carol:{remote.ServerName}";
        for (var i = 0; i < 5; i++)
            Assert.That((await ProfileAsync(user)).Ok()["displayname"].Str(), Is.EqualTo("Fake"));
        Assert.That(requests, Is.EqualTo(1));
    }

    [Test]
    public async Task A_server_that_answers_500_is_502_M_UNKNOWN()
    {
        await using var remote = await FakeRemoteServer.AnsweringAsync(StatusCodes.Status500InternalServerError);
        var response = await ProfileAsync($"@carol:{remote.ServerName}");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task Fields_of_the_wrong_type_in_a_remote_profile_are_left_out()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context =>
            context.Response.WriteAsync("""{"displayname": 42, "avatar_url": "mxc://fake/ok", "extra": "dropped"}"""));
        var profile = (await ProfileAsync($"@carol:{remote.ServerName}")).Ok();
        Assert.That(profile.ToJsonString(), Is.EqualTo("""{"avatar_url":"mxc://fake/ok"}"""));
    }

    [Test]
    public async Task A_server_that_cannot_be_reached_is_502_M_UNKNOWN()
    {
        // Nothing listens on port 1 of loopback.
        var response = await ProfileAsync("@carol:127.0.0.1:1");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_server_name_that_does_not_resolve_is_502_M_UNKNOWN()
    {
        // .invalid never resolves (RFC 6761).
        var response = await ProfileAsync("@carol:no-such-server.invalid");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_malformed_user_id_is_400_M_INVALID_PARAM()
    {
        var response = await ProfileAsync("carol-without-sigil");
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
