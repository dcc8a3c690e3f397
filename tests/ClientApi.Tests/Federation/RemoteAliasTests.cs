using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// <c>GET /directory/room/{alias}</c> for an alias of another server: A asks B's
/// <c>/query/directory</c>, keeps the answer for a while, and turns B's refusals and failures into
/// the client's errors.
/// </summary>
public class RemoteAliasTests : TwoServerFixture
{
    protected override IReadOnlyDictionary<string, string> SettingsOfA =>
        new Dictionary<string, string> { ["Cluster:Federation:RequestTimeout"] = "00:00:10" };

    private async Task<MatrixResponse> LookUpAsync(string alias)
    {
        using var anonymous = A.NewClient();
        return await anonymous.GetAsync($"/_matrix/client/v3/directory/room/{Uri.EscapeDataString(alias)}");
    }

    [Test]
    public async Task An_alias_of_another_server_resolves_through_that_server()
    {
        var bob = await B.RegisterUserAsync();
        var localpart = $"lobby-{Guid.NewGuid():N}";
        var roomId = (await bob.Client.PostAsync("/_matrix/client/v3/createRoom", new JsonObject { ["room_alias_name"] = localpart }))
            .Ok()["room_id"].Str();

        var answer = (await LookUpAsync($"#{localpart}:{B.ServerName}")).Ok();

        Assert.That(answer["room_id"].Str(), Is.EqualTo(roomId));
        Assert.That(answer["servers"]!.AsArray().Select(s => s.Str()), Does.Contain(B.ServerName));
    }

    [Test]
    public async Task An_alias_the_other_server_does_not_know_is_404_M_NOT_FOUND()
    {
        var response = await LookUpAsync($"#nothing-{Guid.NewGuid():N}:{B.ServerName}");
        response.ExpectError(HttpStatusCode.NotFound, "M_NOT_FOUND");
    }

    [Test]
    public async Task Repeated_lookups_of_one_remote_alias_make_one_federation_request()
    {
        var requests = 0;
        await using var remote = await FakeRemoteServer.StartAsync(async context =>
        {
            Interlocked.Increment(ref requests);
            await context.Response.WriteAsJsonAsync(new { room_id = "!room:fake", servers = new[] { "fake" } });
        });
        for (var i = 0; i < 5; i++)
            Assert.That((await LookUpAsync($"#lobby:{remote.ServerName}")).Ok()["room_id"].Str(), Is.EqualTo("!room:fake"));
        Assert.That(requests, Is.EqualTo(1));
    }

    [Test]
    public async Task Servers_of_the_wrong_shape_are_left_out_and_the_aliases_server_is_offered()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context =>
            context.Response.WriteAsync("""{"room_id": "!room:fake", "servers": [42, "not a server name!", "other.example", {"a": 1}]}"""));
        var answer = (await LookUpAsync($"#lobby:{remote.ServerName}")).Ok();
        Assert.That(answer["servers"]!.AsArray().Select(s => s.Str()), Is.EqualTo(new[] { "other.example", remote.ServerName }));
    }

    [Test]
    public async Task An_answer_without_a_room_id_is_502_M_UNKNOWN()
    {
        await using var remote = await FakeRemoteServer.StartAsync(context =>
            context.Response.WriteAsync("""{"room_id": "not-a-room", "servers": []}"""));
        var response = await LookUpAsync($"#lobby:{remote.ServerName}");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_server_that_answers_500_is_502_M_UNKNOWN()
    {
        await using var remote = await FakeRemoteServer.AnsweringAsync(StatusCodes.Status500InternalServerError);
        var response = await LookUpAsync($"#lobby:{remote.ServerName}");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_server_that_cannot_be_reached_is_502_M_UNKNOWN()
    {
        // Nothing listens on port 1 of loopback.
        var response = await LookUpAsync("#lobby:127.0.0.1:1");
        response.ExpectError(HttpStatusCode.BadGateway, "M_UNKNOWN");
    }

    [Test]
    public async Task A_malformed_alias_is_400_M_INVALID_PARAM()
    {
        var response = await LookUpAsync("lobby-without-sigil");
        response.ExpectError(HttpStatusCode.BadRequest, "M_INVALID_PARAM");
    }
}
