using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Federation;
using Cluster.ClusterTests.Fixtures;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.RoomVersions;

namespace Cluster.ClusterTests.Federation;

/// <summary>
/// A cluster with two federation senders and stand-in remote servers (on loopback, counting the
/// PDUs they accept) whose users are in one room: each remote is sent to by the sender its name
/// hashes to, only by that one; a killed sender's remotes wait for its replacement (same
/// instance name), which resumes from the persisted position: every remote gets every message
/// exactly once, in order.
/// </summary>
public class FederationSenderShardTests : ClusterFixture
{
    private const string Core = "core-1";
    private const string Sender1 = "federation-sender-1";
    private const string Sender2 = "federation-sender-2";
    private const int RemotesPerSender = 2;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, List<RecordingRemoteServer>> _remotes = new() { [Sender1] = [], [Sender2] = [] };

    protected override LocalClusterOptions Options => new()
    {
        Instances =
        [
            new(Core, [Roles.EventPersister, Roles.EventCreator, Roles.ClientReader, Roles.SyncReader, Roles.StreamWriter]),
            new(Sender1, [Roles.FederationSender]),
            new(Sender2, [Roles.FederationSender]),
        ],
    };

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Cluster:Federation:AllowPlainHttp"] = "true",
        ["Cluster:Federation:Sender:MinBackoff"] = "00:00:00.200",
        ["Cluster:Federation:Sender:MaxBackoff"] = "00:00:01",
        ["Cluster:Federation:RequestTimeout"] = "00:00:10",
    };

    [OneTimeTearDown]
    public async Task StopRemotes()
    {
        foreach (var remote in _remotes.Values.SelectMany(r => r))
            await remote.DisposeAsync();
    }

    /// <summary>Starts remotes until each sender owns <see cref="RemotesPerSender"/> of them (by the topology's hash of their names).</summary>
    private async Task StartRemotesAsync()
    {
        for (var attempt = 0; attempt < 40 && _remotes.Values.Any(r => r.Count < RemotesPerSender); attempt++)
        {
            var remote = await RecordingRemoteServer.StartAsync(RoomVersions.Default);
            var owner = Cluster.Topology.FederationSenderOf(remote.ServerName)!;
            if (_remotes[owner].Count < RemotesPerSender)
                _remotes[owner].Add(remote);
            else
                await remote.DisposeAsync();
        }
        Assert.That(_remotes.Values.Select(r => r.Count), Is.All.EqualTo(RemotesPerSender), "the hash never gave one of the senders enough remotes");
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    private static bool HasAll(RecordingRemoteServer remote, IEnumerable<string> eventIds) =>
        remote.DeliveredEventIds.ToHashSet().IsSupersetOf(eventIds);

    [Test]
    public async Task Each_remote_gets_every_message_exactly_once_from_its_own_sender_across_a_sender_crash()
    {
        await StartRemotesAsync();
        var alice = await Cluster.RegisterUserAsync(Core);
        using var client = Cluster.Client(Core, alice);
        var roomId = await client.CreateRoomAsync(new JsonObject { ["preset"] = "public_chat" });
        foreach (var remote in _remotes.Values.SelectMany(r => r))
            await Cluster.JoinAsync(roomId, $"@bob:{remote.ServerName}", remote.ServerName);
        var all = _remotes.Values.SelectMany(r => r).ToList();
        var ofSender1 = _remotes[Sender1];
        var ofSender2 = _remotes[Sender2];

        async Task<List<string>> SendAsync(string phase)
        {
            var sent = new List<string>();
            for (var i = 0; i < 10; i++)
                sent.Add(await client.SendTextAsync(roomId, $"{phase} {i}"));
            return sent;
        }

        var before = await SendAsync("before");
        await WaitUntilAsync(() => all.All(r => HasAll(r, before)), "every remote has the first messages");

        // Sender 1's remotes fail: its outbox fills while sender 2's remotes are served.
        foreach (var remote in ofSender1)
            remote.Behaviour = RecordingRemoteServer.Mode.Fail;
        var failing = await SendAsync("failing");
        await WaitUntilAsync(() => ofSender2.All(r => HasAll(r, failing)), "sender 2's remotes have the messages sent while sender 1's fail");
        await WaitUntilAsync(() => ofSender1.All(r => r.Refused.Count >= 1), "sender 1 tried its remotes");

        await Cluster.KillAsync(Sender1);
        foreach (var remote in ofSender1)
            remote.Behaviour = RecordingRemoteServer.Mode.Accept;
        var deliveredBeforeCrash = ofSender1.Select(r => r.DeliveredEventIds.Count).ToList();
        var whileDown = await SendAsync("while sender 1 is down");
        await WaitUntilAsync(() => ofSender2.All(r => HasAll(r, whileDown)), "sender 2's remotes have the messages sent while sender 1 is down");
        await Task.Delay(1000);
        Assert.That(ofSender1.Select(r => r.DeliveredEventIds.Count), Is.EqualTo(deliveredBeforeCrash),
            "no other sender took over sender 1's destinations");

        await Cluster.RestartAsync(Sender1);
        var after = await SendAsync("after");
        var expected = before.Concat(failing).Concat(whileDown).Concat(after).ToList();
        await WaitUntilAsync(() => all.All(r => HasAll(r, expected)), "every remote has every message");
        await Task.Delay(500);

        Assert.Multiple(() =>
        {
            foreach (var remote in all)
                Assert.That(remote.DeliveredEventIds, Is.EqualTo(expected),
                    $"{remote.ServerName} (of {Cluster.Topology.FederationSenderOf(remote.ServerName)}) got every message once, in order");
        });
    }
}
