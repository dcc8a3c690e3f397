using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Profiles;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Accounts;

/// <summary>GET /profile/{userId}, GET/PUT displayname and avatar_url, and propagation of changes.</summary>
public class ProfileTests
{
    private Homeserver _server = null!;
    private readonly RecordingPropagation _propagation = new();

    [OneTimeSetUp]
    public async Task Start() =>
        _server = await Homeserver.StartAsync(services: s =>
        {
            s.AddSingleton<IProfileChangePropagation, FailingPropagation>();
            s.AddSingleton<IProfileChangePropagation>(_propagation);
        });

    [OneTimeTearDown]
    public async Task Stop()
    {
        // Null when the fixture was skipped against a cluster.
        if (_server is not null)
            await _server.DisposeAsync();
    }

    private static string Profile(string userId, string? field = null) =>
        $"/_matrix/client/v3/profile/{Uri.EscapeDataString(userId)}" + (field is null ? "" : "/" + field);

    [Test]
    public async Task New_user_has_localpart_as_display_name()
    {
        var user = await _server.RegisterUserAsync("profile-default");

        var response = (await user.Client.GetAsync(Profile(user.UserId))).Ok();

        Assert.That(response["displayname"]!.GetValue<string>(), Is.EqualTo("profile-default"));
        Assert.That(response.ContainsKey("avatar_url"), Is.False);
    }

    [Test]
    public async Task Set_display_name_is_visible_to_anyone()
    {
        var user = await _server.RegisterUserAsync();
        using var anonymous = _server.NewClient();

        (await user.Client.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = "Alice Ü" })).Ok();

        var field = (await anonymous.GetAsync(Profile(user.UserId, "displayname"))).Ok();
        Assert.That(field["displayname"]!.GetValue<string>(), Is.EqualTo("Alice Ü"));
        var profile = (await anonymous.GetAsync(Profile(user.UserId))).Ok();
        Assert.That(profile["displayname"]!.GetValue<string>(), Is.EqualTo("Alice Ü"));
    }

    [Test]
    public async Task Set_avatar_url_is_returned()
    {
        var user = await _server.RegisterUserAsync();

        (await user.Client.PutAsync(Profile(user.UserId, "avatar_url"), new JsonObject { ["avatar_url"] = "mxc://test.local/abc" })).Ok();

        var field = (await user.Client.GetAsync(Profile(user.UserId, "avatar_url"))).Ok();
        Assert.That(field["avatar_url"]!.GetValue<string>(), Is.EqualTo("mxc://test.local/abc"));
    }

    [Test]
    public async Task Unset_avatar_url_reads_as_empty_object()
    {
        var user = await _server.RegisterUserAsync();

        var field = (await user.Client.GetAsync(Profile(user.UserId, "avatar_url"))).Ok();

        Assert.That(field, Is.Empty);
    }

    [Test]
    public async Task Empty_display_name_removes_it()
    {
        var user = await _server.RegisterUserAsync();

        (await user.Client.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = "" })).Ok();

        var profile = (await user.Client.GetAsync(Profile(user.UserId))).Ok();
        Assert.That(profile.ContainsKey("displayname"), Is.False);
    }

    [Test]
    public async Task Change_is_propagated_with_the_whole_profile()
    {
        var user = await _server.RegisterUserAsync();
        (await user.Client.PutAsync(Profile(user.UserId, "avatar_url"), new JsonObject { ["avatar_url"] = "mxc://test.local/pic" })).Ok();

        (await user.Client.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = "Propagated" })).Ok();

        Assert.That(_propagation.Calls, Does.Contain((user.UserId, (string?)"Propagated", (string?)"mxc://test.local/pic")));
    }

    [Test]
    public async Task Setting_another_users_display_name_is_403_M_FORBIDDEN()
    {
        var user = await _server.RegisterUserAsync();
        var other = await _server.RegisterUserAsync();

        var response = await user.Client.PutAsync(Profile(other.UserId, "displayname"), new JsonObject { ["displayname"] = "Hijacked" });

        response.Expect(HttpStatusCode.Forbidden);
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Setting_display_name_without_token_is_401_M_MISSING_TOKEN()
    {
        var user = await _server.RegisterUserAsync();
        using var anonymous = _server.NewClient();

        var response = await anonymous.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = "x" });

        response.Expect(HttpStatusCode.Unauthorized);
        Assert.That(response.ErrCode, Is.EqualTo("M_MISSING_TOKEN"));
    }

    [Test]
    public async Task Too_long_display_name_is_400_M_INVALID_PARAM()
    {
        var user = await _server.RegisterUserAsync();

        var response = await user.Client.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = new string('x', 300) });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Avatar_url_that_is_not_mxc_is_400_M_INVALID_PARAM()
    {
        var user = await _server.RegisterUserAsync();

        var response = await user.Client.PutAsync(Profile(user.UserId, "avatar_url"), new JsonObject { ["avatar_url"] = "javascript:alert(1)" });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task Display_name_of_wrong_type_is_400_M_BAD_JSON()
    {
        var user = await _server.RegisterUserAsync();

        var response = await user.Client.PutAsync(Profile(user.UserId, "displayname"), new JsonObject { ["displayname"] = new JsonObject() });

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [Test]
    public async Task Profile_of_unknown_user_is_404_M_NOT_FOUND()
    {
        using var anonymous = _server.NewClient();

        var response = await anonymous.GetAsync(Profile($"@nobody:{_server.ServerName}"));

        response.Expect(HttpStatusCode.NotFound);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Display_name_of_unknown_user_is_404_M_NOT_FOUND()
    {
        using var anonymous = _server.NewClient();

        var response = await anonymous.GetAsync(Profile($"@nobody:{_server.ServerName}", "displayname"));

        response.Expect(HttpStatusCode.NotFound);
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [Test]
    public async Task Profile_of_a_user_whose_server_cannot_be_found_is_502_M_UNKNOWN()
    {
        using var anonymous = _server.NewClient();

        // .invalid never resolves (RFC 6761): the profile query to the user's server cannot be sent.
        var response = await anonymous.GetAsync(Profile("@someone:remote.invalid"));

        response.Expect(HttpStatusCode.BadGateway);
        Assert.That(response.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }

    [TestCase("..%2F..")]
    [TestCase("..%2F..%2F..%2Fetc%2Fpasswd")]
    [TestCase("not-a-user-id")]
    [TestCase("%40no-server")]
    public async Task Profile_path_that_is_not_a_user_id_is_400_M_INVALID_PARAM(string segment)
    {
        using var anonymous = _server.NewClient();

        var response = await anonymous.GetAsync($"/_matrix/client/v3/profile/{segment}");

        response.Expect(HttpStatusCode.BadRequest);
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    private sealed class RecordingPropagation : IProfileChangePropagation
    {
        public ConcurrentBag<(string User, string? DisplayName, string? AvatarUrl)> Calls { get; } = [];

        public Task PropagateAsync(UserId user, string? displayName, string? avatarUrl, CancellationToken cancellationToken)
        {
            Calls.Add((user.ToString(), displayName, avatarUrl));
            return Task.CompletedTask;
        }
    }

    /// <summary>One broken propagation must not fail the request nor stop the others.</summary>
    private sealed class FailingPropagation : IProfileChangePropagation
    {
        public Task PropagateAsync(UserId user, string? displayName, string? avatarUrl, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("room update failed");
    }
}
