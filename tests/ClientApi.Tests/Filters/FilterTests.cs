using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Http;
using Cluster.Workers.ClientReader.Filters;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Filters;

/// <summary>POST/GET /user/{userId}/filter and the Filter model /sync uses.</summary>
public class FilterTests
{
    private Homeserver _server = null!;
    private TestUser _alice = null!;
    private TestUser _bob = null!;

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

    private static string FilterPath(TestUser user, string? id = null) =>
        $"/_matrix/client/v3/user/{Uri.EscapeDataString(user.UserId)}/filter{(id is null ? "" : "/" + Uri.EscapeDataString(id))}";

    private static JsonObject SpecExample() => new()
    {
        ["room"] = new JsonObject
        {
            ["state"] = new JsonObject { ["types"] = new JsonArray("m.room.*"), ["not_rooms"] = new JsonArray("!726s6s6q:example.com") },
            ["timeline"] = new JsonObject
            {
                ["limit"] = 10, ["types"] = new JsonArray("m.room.message"),
                ["not_rooms"] = new JsonArray("!726s6s6q:example.com"), ["not_senders"] = new JsonArray("@spam:example.com"),
            },
            ["ephemeral"] = new JsonObject { ["types"] = new JsonArray("m.receipt", "m.typing") },
        },
        ["presence"] = new JsonObject { ["types"] = new JsonArray("m.presence"), ["not_senders"] = new JsonArray("@alice:example.com") },
        ["event_format"] = "client",
        ["event_fields"] = new JsonArray("type", "content", "sender"),
    };

    [Test]
    public async Task An_uploaded_filter_reads_back_the_same()
    {
        var id = (await _alice.Client.PostAsync(FilterPath(_alice), SpecExample())).Ok()["filter_id"]!.GetValue<string>();

        var read = (await _alice.Client.GetAsync(FilterPath(_alice, id))).Ok();

        Assert.That(id, Does.Not.StartWith("{"));
        Assert.That(JsonNode.DeepEquals(read, SpecExample()), Is.True, read.ToJsonString());
    }

    [Test]
    public async Task The_same_filter_twice_gets_the_same_ID_and_a_different_one_a_new_ID()
    {
        var user = await _server.RegisterUserAsync();
        var first = (await user.Client.PostAsync(FilterPath(user), SpecExample())).Ok()["filter_id"]!.GetValue<string>();
        var again = (await user.Client.PostAsync(FilterPath(user), SpecExample())).Ok()["filter_id"]!.GetValue<string>();
        var other = (await user.Client.PostAsync(FilterPath(user), new JsonObject())).Ok()["filter_id"]!.GetValue<string>();

        Assert.That(again, Is.EqualTo(first));
        Assert.That(other, Is.Not.EqualTo(first));
        user.Client.Dispose();
    }

    [Test]
    public async Task Another_users_filter_is_not_found()
    {
        var id = (await _bob.Client.PostAsync(FilterPath(_bob), SpecExample())).Ok()["filter_id"]!.GetValue<string>();
        var carol = await _server.RegisterUserAsync();

        // Filter IDs are numbered per user: carol asking for bob's number asks for her own, which she has not.
        var response = await carol.Client.GetAsync(FilterPath(carol, id));

        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
        carol.Client.Dispose();
    }

    [Test]
    public async Task Reading_through_another_users_path_is_403_M_FORBIDDEN()
    {
        var id = (await _bob.Client.PostAsync(FilterPath(_bob), SpecExample())).Ok()["filter_id"]!.GetValue<string>();

        var response = await _alice.Client.GetAsync(FilterPath(_bob, id));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(response.ErrCode, Is.EqualTo("M_FORBIDDEN"));
    }

    [Test]
    public async Task Uploading_for_another_user_is_403_M_FORBIDDEN()
    {
        var response = await _alice.Client.PostAsync(FilterPath(_bob), new JsonObject());

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [TestCase("12345")]
    [TestCase("abc")]
    [TestCase("-1")]
    [TestCase("99999999999999999999999")]
    public async Task An_unknown_filter_ID_is_404_M_NOT_FOUND(string id)
    {
        var response = await _alice.Client.GetAsync(FilterPath(_alice, id));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_FOUND"));
    }

    [TestCase("""{"room": []}""")]
    [TestCase("""{"room": {"timeline": {"limit": "10"}}}""")]
    [TestCase("""{"room": {"timeline": {"limit": 1.5}}}""")]
    [TestCase("""{"room": {"rooms": "!a:b"}}""")]
    [TestCase("""{"room": {"state": {"types": [1]}}}""")]
    [TestCase("""{"room": {"include_leave": "yes"}}""")]
    [TestCase("""{"room": {"timeline": {"lazy_load_members": 1}}}""")]
    [TestCase("""{"presence": {"senders": [null]}}""")]
    [TestCase("""{"event_fields": "type"}""")]
    public async Task A_field_of_the_wrong_type_is_400_M_BAD_JSON(string filter)
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, FilterPath(_alice), Encoding.UTF8.GetBytes(filter));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_BAD_JSON"));
    }

    [TestCase("""{"room": {"timeline": {"limit": 0}}}""")]
    [TestCase("""{"room": {"timeline": {"limit": -3}}}""")]
    [TestCase("""{"event_format": "xml"}""")]
    public async Task An_out_of_range_value_is_400_M_INVALID_PARAM(string filter)
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, FilterPath(_alice), Encoding.UTF8.GetBytes(filter));

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
    }

    [Test]
    public async Task A_filter_over_the_size_limit_is_413_M_TOO_LARGE()
    {
        var senders = new JsonArray([.. Enumerable.Range(0, 5000).Select(i => (JsonNode)$"@user{i}:example.org")]);

        var response = await _alice.Client.PostAsync(FilterPath(_alice), new JsonObject { ["presence"] = new JsonObject { ["senders"] = senders } });

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(response.ErrCode, Is.EqualTo("M_TOO_LARGE"));
    }

    [Test]
    public async Task A_deeply_nested_filter_is_refused_with_400()
    {
        var body = Encoding.UTF8.GetBytes("{\"room\":" + string.Concat(Enumerable.Repeat("{\"a\":", 500)) + "1" + new string('}', 500) + "}");

        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, FilterPath(_alice), body);

        Assert.That(response.Status, Is.EqualTo(HttpStatusCode.BadRequest));
    }

    [Test]
    public async Task A_filter_that_is_not_UTF8_is_400_M_NOT_JSON()
    {
        var response = await _alice.Client.SendRawAsync(HttpMethod.Post, FilterPath(_alice), [(byte)'{', (byte)'"', 0xC0, 0xAF, (byte)'"', (byte)':', (byte)'1', (byte)'}']);

        Assert.That(response.ErrCode, Is.EqualTo("M_NOT_JSON"));
    }

    [Test]
    public async Task The_resolver_reads_stored_and_inline_filters_alike()
    {
        var resolver = _server.Services.GetRequiredService<FilterResolver>();
        var id = (await _alice.Client.PostAsync(FilterPath(_alice), SpecExample())).Ok()["filter_id"]!.GetValue<string>();

        var stored = await resolver.ResolveAsync(_alice.UserId, id, CancellationToken.None);
        var inline = await resolver.ResolveAsync(_alice.UserId, SpecExample().ToJsonString(), CancellationToken.None);

        foreach (var filter in new[] { stored, inline })
        {
            Assert.That(filter.TimelineLimit(), Is.EqualTo(10));
            Assert.That(filter.RoomFilter.TimelineFilter.Matches("!x:y", "m.room.message", "@bob:example.com", hasUrl: false), Is.True);
            Assert.That(filter.RoomFilter.TimelineFilter.Matches("!x:y", "m.room.message", "@spam:example.com", hasUrl: false), Is.False);
            Assert.That(filter.RoomFilter.StateFilter.Matches("m.room.name", "@a:b"), Is.True);
            Assert.That(filter.RoomFilter.StateFilter.IncludesRoom("!726s6s6q:example.com"), Is.False);
            Assert.That(filter.EventFields, Is.EqualTo(new[] { "type", "content", "sender" }));
        }
    }

    [Test]
    public async Task The_resolver_refuses_another_users_filter_ID()
    {
        var resolver = _server.Services.GetRequiredService<FilterResolver>();
        var id = (await _bob.Client.PostAsync(FilterPath(_bob), new JsonObject { ["event_fields"] = new JsonArray("type") })).Ok()["filter_id"]!.GetValue<string>();
        var carol = await _server.RegisterUserAsync();

        var error = Assert.ThrowsAsync<MatrixException>(() => resolver.ResolveAsync(carol.UserId, id, CancellationToken.None));

        Assert.That(error!.ErrCode, Is.EqualTo("M_INVALID_PARAM"));
        carol.Client.Dispose();
    }
}
