using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Replication.Bus;
using Cluster.Replication.Streams.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.ClientApi.Tests.Sync;

/// <summary>
/// A process that persists events and serves /sync answers a sync with what it has committed,
/// even while the announcement of those events is still on its way to its own follower.
/// </summary>
public class SyncReadYourWritesTests
{
    private readonly HeldEventsBus _bus = new();
    private Homeserver _server = null!;

    [OneTimeSetUp]
    public async Task Start() => _server = await Homeserver.StartAsync(services: s => s.AddSingleton<IReplicationBus>(_bus));

    [OneTimeTearDown]
    public async Task Stop()
    {
        // Null when the fixture was skipped (against a cluster).
        if (_server is not null)
            await _server.DisposeAsync();
    }

    [Test]
    public async Task A_sync_right_after_a_join_whose_announcement_is_late_shows_the_room()
    {
        var alice = await _server.RegisterUserAsync();
        var bob = await _server.RegisterUserAsync();
        var roomId = await alice.CreateRoomAsync(new JsonObject { ["name"] = "Club", ["invite"] = new JsonArray(bob.UserId) });
        // A token that covers the invite: the join is then the only new event.
        var initial = await bob.SyncAsync();
        while (initial["rooms"]?["invite"]?[roomId] is null)
            initial = await bob.SyncAsync(initial.NextBatch(), timeoutMs: 5000);
        var since = initial.NextBatch();

        _bus.Hold();
        try
        {
            (await bob.JoinAsync(roomId)).Ok();
            var sync = bob.SyncAsync(since);
            // The join is committed; its announcement arrives while the sync is being answered.
            await Task.WhenAny(sync, Task.Delay(TimeSpan.FromMilliseconds(500)));
            Assert.That(_bus.HeldCount, Is.GreaterThan(0), "the join's announcement was held back");
            _bus.Release();
            var room = (await sync).JoinedRoom(roomId);

            Assert.That(room, Is.Not.Null, "the joined room is missing from the sync after the join");
            Assert.That(room!.StateEvents().Concat(room.Timeline()).Select(e => e["type"]!.GetValue<string>()),
                Does.Contain("m.room.create").And.Contain("m.room.name"));
        }
        finally
        {
            _bus.Release();
        }
    }

    /// <summary>
    /// The in-process bus, except that while held the events stream's announcements are kept back
    /// (in order) and delivered on release, as a slow bus would.
    /// </summary>
    private sealed class HeldEventsBus : IReplicationBus
    {
        private readonly InProcessReplicationBus _inner = new();
        private readonly Lock _lock = new();
        private readonly List<StreamUpdate> _held = [];
        private bool _holding;

        public int HeldCount
        {
            get
            {
                lock (_lock)
                    return _held.Count;
            }
        }

        public void Hold()
        {
            lock (_lock)
                _holding = true;
        }

        public void Release()
        {
            lock (_lock)
            {
                _holding = false;
                // The in-process bus delivers synchronously; holding the lock keeps the order.
                foreach (var update in _held)
                    if (!_inner.PublishAsync(update, CancellationToken.None).IsCompletedSuccessfully)
                        throw new InvalidOperationException("The in-process bus did not deliver at once.");
                _held.Clear();
            }
        }

        public Task PublishAsync(StreamUpdate update, CancellationToken cancellationToken)
        {
            lock (_lock)
            {
                if (_holding && update.Stream == EventsStream.StreamName)
                {
                    _held.Add(update);
                    return Task.CompletedTask;
                }
            }
            return _inner.PublishAsync(update, cancellationToken);
        }

        public Task<IDisposable> SubscribeAsync(string stream, IReplicationListener listener, CancellationToken cancellationToken) =>
            _inner.SubscribeAsync(stream, listener, cancellationToken);

        public Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken cancellationToken) => _inner.ProbeAsync(timeout, cancellationToken);

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
