using System.Net;
using Cluster.Router.Tests.Support;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Router.Tests.Routing;

/// <summary>
/// Every line of the routing table, through the real router to fake instances that answer with
/// their name: the path and the method decide the role (or, for a stream, its writer).
/// </summary>
[NonParallelizable]
public class RoutingTableTests
{
    private const string V3 = "/_matrix/client/v3";
    private const string R0 = "/_matrix/client/r0";
    private const string Room = "!room:example.org";
    private const string User = "@alice:example.org";

    private TestCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _cluster = await TestCluster.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _cluster.DisposeAsync();

    private static IEnumerable<TestCaseData> Cases()
    {
        TestCaseData Case(string method, string path, string expected) =>
            new TestCaseData(method, path, expected).SetName($"{method} {path} goes to {expected}");

        // sync_reader
        yield return Case("GET", $"{V3}/sync", Roles.SyncReader);
        yield return Case("GET", $"{R0}/sync?since=s1&timeout=0", Roles.SyncReader);
        // event_creator
        yield return Case("POST", $"{V3}/createRoom", Roles.EventCreator);
        yield return Case("POST", $"{R0}/createRoom", Roles.EventCreator);
        yield return Case("POST", $"{V3}/join/%23lobby:example.org", Roles.EventCreator);
        yield return Case("POST", $"{V3}/knock/{Room}", Roles.EventCreator);
        foreach (var verb in new[] { "join", "invite", "leave", "forget", "kick", "ban", "unban" })
            yield return Case("POST", $"{V3}/rooms/{Room}/{verb}", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/rooms/{Room}/send/m.room.message/txn1", Roles.EventCreator);
        yield return Case("PUT", $"{R0}/rooms/{Room}/send/m.room.message/txn1", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/rooms/{Room}/state/m.room.member/{User}", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/rooms/{Room}/state/m.room.name/", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/rooms/{Room}/state/m.room.name", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/rooms/{Room}/redact/$event/txn2", Roles.EventCreator);
        yield return Case("PUT", $"{V3}/directory/room/%23lobby:example.org", Roles.EventCreator);
        yield return Case("DELETE", $"{V3}/directory/room/%23lobby:example.org", Roles.EventCreator);
        // the same paths, read: client_reader
        yield return Case("GET", $"{V3}/rooms/{Room}/state/m.room.member/{User}", Roles.ClientReader);
        yield return Case("GET", $"{V3}/rooms/{Room}/state/m.room.name/", Roles.ClientReader);
        yield return Case("GET", $"{V3}/rooms/{Room}/state/m.room.name", Roles.ClientReader);
        yield return Case("GET", $"{V3}/rooms/{Room}/state", Roles.ClientReader);
        yield return Case("GET", $"{V3}/directory/room/%23lobby:example.org", Roles.ClientReader);
        // stream writers: the instance stream_writers names
        yield return Case("PUT", $"{V3}/rooms/{Room}/typing/{User}", "stream-writer-1");
        yield return Case("POST", $"{V3}/rooms/{Room}/receipt/m.read/$event", "stream-writer-1");
        yield return Case("POST", $"{V3}/rooms/{Room}/read_markers", "stream-writer-1");
        yield return Case("PUT", $"{V3}/sendToDevice/m.room_key_request/txn3", "stream-writer-1");
        yield return Case("PUT", $"{V3}/user/{User}/account_data/m.direct", "stream-writer-2");
        yield return Case("GET", $"{V3}/user/{User}/account_data/m.direct", "stream-writer-2");
        yield return Case("PUT", $"{V3}/user/{User}/rooms/{Room}/account_data/m.tag", "stream-writer-2");
        yield return Case("GET", $"{R0}/user/{User}/rooms/{Room}/account_data/m.tag", "stream-writer-2");
        yield return Case("GET", $"{V3}/pushrules/", "stream-writer-2");
        yield return Case("GET", $"{V3}/pushrules", "stream-writer-2");
        yield return Case("GET", $"{V3}/pushrules/global/", "stream-writer-2");
        yield return Case("PUT", $"{V3}/pushrules/global/override/my.rule", "stream-writer-2");
        yield return Case("DELETE", $"{V3}/pushrules/global/override/my.rule", "stream-writer-2");
        yield return Case("PUT", $"{V3}/pushrules/global/override/my.rule/enabled", "stream-writer-2");
        yield return Case("GET", $"{R0}/pushrules/global/content/my.rule/actions", "stream-writer-2");
        // client_reader: discovery and the rest of the client API
        yield return Case("GET", "/_matrix/client/versions", Roles.ClientReader);
        yield return Case("GET", "/.well-known/matrix/client", Roles.ClientReader);
        yield return Case("POST", $"{V3}/login", Roles.ClientReader);
        yield return Case("POST", $"{V3}/register", Roles.ClientReader);
        yield return Case("GET", $"{V3}/account/whoami", Roles.ClientReader);
        yield return Case("GET", $"{V3}/profile/{User}", Roles.ClientReader);
        yield return Case("PUT", $"{V3}/profile/{User}/displayname", Roles.ClientReader);
        yield return Case("PUT", $"{V3}/presence/{User}/status", Roles.ClientReader);
        yield return Case("GET", $"{V3}/rooms/{Room}/messages?dir=b", Roles.ClientReader);
        yield return Case("GET", $"{V3}/joined_rooms", Roles.ClientReader);
        yield return Case("POST", $"{V3}/user/{User}/filter", Roles.ClientReader);
        yield return Case("GET", "/_matrix/client/v1/register/m.login.registration_token/validity?token=x", Roles.ClientReader);
        // unmatched under /_matrix: a client_reader answers M_UNRECOGNIZED
        yield return Case("GET", $"{V3}/no/such/endpoint", Roles.ClientReader);
        yield return Case("GET", "/_matrix/media/v3/config", Roles.ClientReader);
        yield return Case("GET", "/_matrix/federation/v1/version", Roles.ClientReader);
        // main: the admin API
        yield return Case("GET", "/_synapse/admin/v1/register", Roles.Main);
        yield return Case("POST", "/_synapse/admin/v1/register", Roles.Main);
        // a known path with another method: to the path's role, which answers 405
        yield return Case("GET", $"{V3}/rooms/{Room}/send/m.room.message/txn1", Roles.EventCreator);
        yield return Case("GET", $"{V3}/createRoom", Roles.EventCreator);
        yield return Case("OPTIONS", $"{V3}/createRoom", Roles.EventCreator);
        yield return Case("DELETE", $"{V3}/rooms/{Room}/state/m.room.name/", Roles.EventCreator);
        yield return Case("POST", $"{V3}/rooms/{Room}/typing/{User}", "stream-writer-1");
        yield return Case("POST", $"{V3}/sync", Roles.SyncReader);
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Request_goes_to_the_role_of_its_path_and_method(string method, string path, string expected)
    {
        var answer = await _cluster.SendAsync(new HttpMethod(method), path);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body?.ToJsonString());
        var instance = _cluster[answer.Instance!];
        Assert.That(instance.Name == expected || instance.Roles.Contains(expected), Is.True,
            $"{method} {path} reached {instance.Name} ({string.Join(", ", instance.Roles)}), expected {expected}");
        Assert.That(answer.Field("path"), Is.EqualTo(Uri.UnescapeDataString(new Uri("http://x" + path).AbsolutePath)), "the path is forwarded as it came");
    }

    [TestCase("/health")]
    [TestCase("/metrics")]
    [TestCase("/_internal/v1/persist")]
    [TestCase("/")]
    [TestCase("/index.html")]
    public async Task Path_outside_the_matrix_namespaces_is_404_M_UNRECOGNIZED_from_the_router(string path)
    {
        var before = _cluster.Instances.Sum(i => i.Requests.Count);

        var answer = await _cluster.SendAsync(HttpMethod.Get, path);

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(answer.ErrCode, Is.EqualTo("M_UNRECOGNIZED"));
        Assert.That(_cluster.Instances.Sum(i => i.Requests.Count), Is.EqualTo(before), "no instance saw it");
    }

    [TestCase("/_matrix/../metrics")]
    [TestCase("/_matrix/%2e%2e/metrics")]
    [TestCase("/_matrix/client/v3/%2E%2E/%2E%2E/%2E%2E/health")]
    [TestCase("/_matrix/client/v3/..%2F..%2F..%2Fmetrics")]
    [TestCase("/.well-known/matrix/../../_internal/x")]
    public async Task Dot_segments_never_reach_a_process_outside_the_matrix_namespaces(string target)
    {
        var status = await RawHttp.GetStatusAsync(_cluster.Http.BaseAddress!, target);

        var seen = _cluster.Instances.SelectMany(i => i.Requests).ToList();
        Assert.That(seen.Any(r => r.Contains("metrics", StringComparison.Ordinal) && !r.Contains("_matrix", StringComparison.Ordinal)), Is.False, string.Join("\n", seen));
        Assert.That(seen.Any(r => r.EndsWith(" /health", StringComparison.Ordinal) || r.Contains(" /_internal", StringComparison.Ordinal)), Is.False, string.Join("\n", seen));
        Assert.That(status, Is.EqualTo(404).Or.EqualTo(200), "answered by the router (404) or a client_reader, as one opaque segment (200)");
    }

    [Test]
    public async Task Query_string_and_token_reach_the_instance_unchanged()
    {
        var answer = await _cluster.SendAsync(HttpMethod.Get, $"{V3}/rooms/{Room}/messages?dir=b&limit=5", accessToken: "ct_abc");

        Assert.That(answer.Field("query"), Is.EqualTo("?dir=b&limit=5"));
        Assert.That(answer.Field("authorization"), Is.EqualTo("Bearer ct_abc"));
    }

    [Test]
    public async Task Requests_of_a_role_are_spread_over_its_instances()
    {
        var seen = new HashSet<string>();
        for (var i = 0; i < 40 && seen.Count < 2; i++)
            seen.Add((await _cluster.SendAsync(HttpMethod.Get, $"{V3}/joined_rooms")).Instance!);

        Assert.That(seen, Is.EquivalentTo(new[] { "client-reader-1", "client-reader-2" }));
    }

    [Test]
    public async Task Internal_addresses_are_never_forwarded_to_or_probed()
    {
        for (var i = 0; i < 10; i++)
            await _cluster.SendAsync(HttpMethod.Get, $"{V3}/sync");
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // two health check rounds

        Assert.That(_cluster.Instances.Sum(i => i.InternalHits), Is.Zero);
    }
}
