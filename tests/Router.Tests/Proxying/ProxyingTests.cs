using System.Net;
using System.Text;
using Cluster.Router.Tests.Support;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;

namespace Cluster.Router.Tests.Proxying;

/// <summary>What the router does to a request on its way: /sync stickiness, forwarded headers, the body limit.</summary>
[NonParallelizable]
public class ProxyingTests
{
    private const string Sync = "/_matrix/client/v3/sync?timeout=0";

    private TestCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _cluster = await TestCluster.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _cluster.DisposeAsync();

    private static string TokenOf(string localpart) => AccessTokens.Generate(UserId.Parse($"@{localpart}:example.org"));

    [Test]
    public async Task Sync_of_one_user_always_reaches_the_same_reader_whatever_the_device()
    {
        for (var user = 0; user < 10; user++)
        {
            var readers = new HashSet<string>();
            for (var device = 0; device < 5; device++)
                readers.Add((await _cluster.SendAsync(HttpMethod.Get, Sync, TokenOf($"user{user}"))).Instance!);
            Assert.That(readers, Has.Count.EqualTo(1), $"user{user} reached {string.Join(", ", readers)}");
        }
    }

    [Test]
    public async Task Sync_users_are_spread_over_every_reader()
    {
        var readers = new HashSet<string>();
        for (var user = 0; user < 60; user++)
            readers.Add((await _cluster.SendAsync(HttpMethod.Get, Sync, TokenOf($"spread{user}"))).Instance!);

        Assert.That(readers, Is.EquivalentTo(new[] { "sync-reader-1", "sync-reader-2", "sync-reader-3" }));
    }

    [Test]
    public async Task Sync_with_the_token_in_the_query_reaches_the_same_reader_as_with_the_header()
    {
        for (var user = 0; user < 10; user++)
        {
            var byHeader = await _cluster.SendAsync(HttpMethod.Get, Sync, TokenOf($"query{user}"));
            var byQuery = await _cluster.SendAsync(HttpMethod.Get, $"{Sync}&access_token={Uri.EscapeDataString(TokenOf($"query{user}"))}");
            Assert.That(byQuery.Instance, Is.EqualTo(byHeader.Instance));
        }
    }

    [Test]
    public async Task Sync_with_an_old_format_token_sticks_to_one_reader()
    {
        var token = AccessTokens.Prefix + new string('A', 43);
        var readers = new HashSet<string>();
        for (var i = 0; i < 10; i++)
            readers.Add((await _cluster.SendAsync(HttpMethod.Get, Sync, token)).Instance!);

        Assert.That(readers, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Sync_without_a_token_is_spread()
    {
        var readers = new HashSet<string>();
        for (var i = 0; i < 60 && readers.Count < 3; i++)
            readers.Add((await _cluster.SendAsync(HttpMethod.Get, Sync)).Instance!);

        Assert.That(readers, Has.Count.EqualTo(3));
    }

    [Test]
    public async Task Forwarded_headers_name_the_connecting_client()
    {
        var answer = await _cluster.SendAsync(HttpMethod.Get, "/_matrix/client/v3/account/whoami");

        Assert.That(answer.Field("x_forwarded_for"), Is.EqualTo("127.0.0.1"));
        Assert.That(answer.Field("x_forwarded_proto"), Is.EqualTo("http"));
        Assert.That(answer.Field("x_forwarded_host"), Is.EqualTo(_cluster.Http.BaseAddress!.Authority));
    }

    [Test]
    public async Task Forwarded_for_from_a_loopback_proxy_names_the_proxys_client()
    {
        // A TLS terminator on the same machine in front of the router, as in front of a single process.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/_matrix/client/v3/account/whoami");
        request.Headers.Add("X-Forwarded-For", "203.0.113.66");

        var answer = await _cluster.SendAsync(request);

        Assert.That(answer.Field("x_forwarded_for"), Is.EqualTo("203.0.113.66"));
    }

    [Test]
    public async Task Encoded_slash_in_a_path_segment_reaches_the_instance_still_encoded()
    {
        var answer = await _cluster.SendAsync(HttpMethod.Get, "/_matrix/client/v3/rooms/!r:x/state/org.example.path/a%2Fb?x=1");

        Assert.That(answer.Field("raw_target"), Is.EqualTo("/_matrix/client/v3/rooms/!r:x/state/org.example.path/a%2Fb?x=1"));
    }

    [Test]
    public async Task Encoded_percent_before_2F_is_not_turned_into_a_slash()
    {
        var answer = await _cluster.SendAsync(HttpMethod.Get, "/_matrix/client/v3/rooms/!r:x/state/org.example.path/a%252Fb");

        Assert.That(answer.Field("raw_target"), Is.EqualTo("/_matrix/client/v3/rooms/!r:x/state/org.example.path/a%252Fb"));
    }

    [Test]
    public async Task Dot_segments_are_resolved_before_forwarding_and_never_reach_an_instance()
    {
        var marker = Guid.NewGuid().ToString("N");

        var status = await RawHttp.GetStatusAsync(_cluster.Http.BaseAddress!,
            $"/_matrix/client/v3/rooms/x/%2E%2E/../account/whoami?m={marker}");

        Assert.That(status, Is.EqualTo(200));
        var arrived = _cluster.Instances.SelectMany(i => i.RawTargets).Single(t => t.Contains(marker, StringComparison.Ordinal));
        Assert.That(arrived, Is.EqualTo($"/_matrix/client/v3/account/whoami?m={marker}"));
    }

    [Test]
    public async Task Body_within_the_limit_is_forwarded_whole()
    {
        var body = new ByteArrayContent(new byte[TestCluster.MaxBodyBytes]);

        var answer = await _cluster.SendAsync(HttpMethod.Put, "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t1", content: body);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(answer.Body!["body_bytes"]!.GetValue<long>(), Is.EqualTo(TestCluster.MaxBodyBytes));
    }

    [Test]
    public async Task Body_over_the_limit_is_413_M_TOO_LARGE_and_reaches_no_instance()
    {
        var before = _cluster["event-creator-1"].Requests.Count;

        var answer = await _cluster.SendAsync(HttpMethod.Put, "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t2",
            content: new ByteArrayContent(new byte[TestCluster.MaxBodyBytes + 1]));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(answer.ErrCode, Is.EqualTo("M_TOO_LARGE"));
        Assert.That(_cluster["event-creator-1"].Requests, Has.Count.EqualTo(before));
    }

    [Test]
    public async Task Answer_to_a_body_over_the_limit_closes_the_connection()
    {
        // The body is not read, so the client must not send its next request on this connection.
        var answer = await _cluster.SendAsync(HttpMethod.Put, "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t5",
            content: new ByteArrayContent(new byte[TestCluster.MaxBodyBytes + 1]));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(answer.Headers.ConnectionClose, Is.True);
    }

    [Test]
    public async Task Chunked_body_over_the_limit_is_413_M_TOO_LARGE()
    {
        // No Content-Length: the limit is found while the body streams through.
        var content = new StreamContent(new MemoryStream(new byte[TestCluster.MaxBodyBytes * 2]));
        using var request = new HttpRequestMessage(HttpMethod.Put, "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t3") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        var answer = await _cluster.SendAsync(request);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(answer.ErrCode, Is.EqualTo("M_TOO_LARGE"));
    }

    [Test]
    public async Task Router_errors_carry_CORS_headers()
    {
        var answer = await _cluster.SendAsync(HttpMethod.Put, "/_matrix/client/v3/rooms/!r:x/send/m.room.message/t4",
            content: new ByteArrayContent(Encoding.UTF8.GetBytes(new string('x', (int)TestCluster.MaxBodyBytes + 10))));

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.RequestEntityTooLarge));
        Assert.That(answer.Headers.GetValues("Access-Control-Allow-Origin"), Is.EqualTo(new[] { "*" }));
    }
}
