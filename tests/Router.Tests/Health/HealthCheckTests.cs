using System.Net;
using Cluster.Router.Tests.Support;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;

namespace Cluster.Router.Tests.Health;

/// <summary>Instances leave rotation when they stop or fail their health check, and come back; a cluster each test.</summary>
[NonParallelizable]
public class HealthCheckTests
{
    private const string ClientReaders = "role:client_reader";
    private const string SyncReaders = "role:sync_reader:by-user";
    private const string Sync = "/_matrix/client/v3/sync?timeout=0";
    private static readonly TimeSpan FewSeconds = TimeSpan.FromSeconds(5);

    private TestCluster _cluster = null!;

    [SetUp]
    public async Task StartAsync() => _cluster = await TestCluster.StartAsync(healthCheckIntervalSeconds: 0.5);

    [TearDown]
    public async Task StopAsync() => await _cluster.DisposeAsync();

    private static string TokenOf(string localpart) => AccessTokens.Generate(UserId.Parse($"@{localpart}:example.org"));

    [Test]
    public async Task Router_health_lists_every_cluster_and_instance_as_available()
    {
        var health = await _cluster.HealthAsync();

        Assert.That(health!["status"]!.GetValue<string>(), Is.EqualTo("ok"));
        Assert.That(TestCluster.StateIn(health, ClientReaders, "client-reader-2"), Is.EqualTo("available"));
        Assert.That(TestCluster.StateIn(health, "instance:stream-writer-1", "stream-writer-1"), Is.EqualTo("available"));
        Assert.That(TestCluster.StateIn(health, "role:main", "main"), Is.EqualTo("available"));
    }

    [Test]
    public async Task Stopped_instance_leaves_rotation_within_seconds()
    {
        await _cluster["client-reader-1"].StopAsync();

        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, ClientReaders, "client-reader-1") is not (null or "available"),
            FewSeconds, "client-reader-1 to leave rotation");
    }

    [Test]
    public async Task Requests_go_to_the_other_instances_as_soon_as_one_is_stopped()
    {
        await _cluster["client-reader-1"].StopAsync();

        for (var i = 0; i < 20; i++)
        {
            var answer = await _cluster.SendAsync(HttpMethod.Post, "/_matrix/client/v3/login");
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body?.ToJsonString());
            Assert.That(answer.Instance, Is.EqualTo("client-reader-2"));
        }
    }

    [Test]
    public async Task Instance_failing_its_health_check_leaves_rotation_and_comes_back_when_it_passes()
    {
        _cluster["client-reader-1"].Healthy = false;
        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, ClientReaders, "client-reader-1") == "failed health check",
            FewSeconds, "client-reader-1 to fail its health check");
        var before = _cluster["client-reader-1"].Requests.Count;
        for (var i = 0; i < 20; i++)
            Assert.That((await _cluster.SendAsync(HttpMethod.Get, "/_matrix/client/v3/joined_rooms")).Instance, Is.EqualTo("client-reader-2"));
        Assert.That(_cluster["client-reader-1"].Requests, Has.Count.EqualTo(before));

        _cluster["client-reader-1"].Healthy = true;

        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, ClientReaders, "client-reader-1") == "available",
            FewSeconds, "client-reader-1 to come back");
    }

    [Test]
    public async Task Sync_users_of_a_stopped_reader_move_to_the_others_and_no_one_else_moves()
    {
        var users = Enumerable.Range(0, 60).Select(i => TokenOf($"mover{i}")).ToList();
        var before = new Dictionary<string, string>();
        foreach (var token in users)
            before[token] = (await _cluster.SendAsync(HttpMethod.Get, Sync, token)).Instance!;
        Assert.That(before.Values, Does.Contain("sync-reader-2"), "the test needs users on the reader it stops");

        await _cluster["sync-reader-2"].StopAsync();

        foreach (var token in users)
        {
            var answer = await _cluster.SendAsync(HttpMethod.Get, Sync, token);
            Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.OK), answer.Body?.ToJsonString());
            if (before[token] == "sync-reader-2")
                Assert.That(answer.Instance, Is.Not.EqualTo("sync-reader-2"));
            else
                Assert.That(answer.Instance, Is.EqualTo(before[token]), "a user of a running reader stays on it");
        }
    }

    [Test]
    public async Task Sync_users_return_to_their_reader_when_it_is_back()
    {
        var users = Enumerable.Range(0, 30).Select(i => TokenOf($"returner{i}")).ToList();
        var before = new Dictionary<string, string>();
        foreach (var token in users)
            before[token] = (await _cluster.SendAsync(HttpMethod.Get, Sync, token)).Instance!;
        await _cluster["sync-reader-3"].StopAsync();
        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, SyncReaders, "sync-reader-3") != "available", FewSeconds, "sync-reader-3 to leave");

        await _cluster["sync-reader-3"].StartAsync();
        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, SyncReaders, "sync-reader-3") == "available", FewSeconds, "sync-reader-3 to return");

        foreach (var token in users)
            Assert.That((await _cluster.SendAsync(HttpMethod.Get, Sync, token)).Instance, Is.EqualTo(before[token]));
    }

    [Test]
    public async Task No_available_instance_is_503_with_a_matrix_error()
    {
        await _cluster["event-creator-1"].StopAsync();
        await _cluster.WaitUntilAsync(h => TestCluster.StateIn(h, "role:event_creator", "event-creator-1") != "available",
            FewSeconds, "event-creator-1 to leave");

        var answer = await _cluster.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom");

        Assert.That(answer.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(answer.ErrCode, Is.EqualTo("M_UNKNOWN"));
        Assert.That((await _cluster.HealthAsync())!["status"]!.GetValue<string>(), Is.EqualTo("degraded"));
    }

    [Test]
    public async Task Request_to_a_stopped_only_instance_is_a_matrix_error_not_an_empty_page()
    {
        await _cluster["event-creator-1"].StopAsync();

        var answer = await _cluster.SendAsync(HttpMethod.Post, "/_matrix/client/v3/createRoom");

        Assert.That((int)answer.Status, Is.EqualTo(502).Or.EqualTo(503));
        Assert.That(answer.ErrCode, Is.EqualTo("M_UNKNOWN"));
    }
}
