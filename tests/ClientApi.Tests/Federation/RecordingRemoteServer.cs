using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Microsoft.AspNetCore.Http;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>A transaction as a remote server received it: its ID, origin, the IDs of its PDUs in order, and its EDUs.</summary>
public sealed record ReceivedTransaction(string TxnId, string Origin, IReadOnlyList<string> EventIds, DateTime At, IReadOnlyList<JsonObject> Edus);

/// <summary>
/// A stand-in remote server that records the <c>/send</c> transactions it gets. It accepts them
/// (200, deduplicating by transaction ID as a real server does), fails them (500), or stalls
/// (never answers), as the test sets <see cref="Behaviour"/>.
/// </summary>
public sealed class RecordingRemoteServer : IAsyncDisposable
{
    public enum Mode
    {
        Accept,
        Fail,
        Stall,
    }

    private const string SendPath = "/_matrix/federation/v1/send/";

    private readonly RoomVersion _roomVersion;
    private readonly List<ReceivedTransaction> _accepted = [];
    private readonly List<ReceivedTransaction> _refused = [];
    private readonly CancellationTokenSource _released = new();
    private FakeRemoteServer _server = null!;
    private int _stalled;

    private RecordingRemoteServer(RoomVersion roomVersion) => _roomVersion = roomVersion;

    public string ServerName => _server.ServerName;

    public volatile Mode Behaviour = Mode.Accept;

    /// <param name="roomVersion">The version of the rooms whose PDUs arrive (v3+ PDUs carry no event ID; it is computed).</param>
    public static async Task<RecordingRemoteServer> StartAsync(RoomVersion roomVersion)
    {
        var remote = new RecordingRemoteServer(roomVersion);
        remote._server = await FakeRemoteServer.StartAsync(remote.HandleAsync);
        return remote;
    }

    /// <summary>Transactions answered 200, each ID once (a repeat of an accepted ID is answered but not recorded again).</summary>
    public IReadOnlyList<ReceivedTransaction> Accepted
    {
        get { lock (_accepted) return [.. _accepted]; }
    }

    /// <summary>Attempts answered 500, in order.</summary>
    public IReadOnlyList<ReceivedTransaction> Refused
    {
        get { lock (_accepted) return [.. _refused]; }
    }

    /// <summary>Requests being held without an answer right now.</summary>
    public int StalledNow => Volatile.Read(ref _stalled);

    /// <summary>Every accepted EDU (<c>{edu_type, content}</c>), in the order they arrived.</summary>
    public IReadOnlyList<JsonObject> DeliveredEdus => [.. Accepted.SelectMany(t => t.Edus)];

    /// <summary>Every accepted PDU's event ID, in the order they arrived.</summary>
    public IReadOnlyList<string> DeliveredEventIds => [.. Accepted.SelectMany(t => t.EventIds)];

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (context.Request.Method != "PUT" || !path.StartsWith(SendPath, StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsJsonAsync(new { errcode = "M_UNRECOGNIZED", error = "Not a /send" });
            return;
        }
        var txnId = Uri.UnescapeDataString(path[SendPath.Length..]);
        var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var eventIds = body["pdus"]!.AsArray().Select(p => EventIds.Of(p!.AsObject(), _roomVersion)).ToList();
        var edus = body["edus"]?.AsArray().Select(e => e!.AsObject()).ToList() ?? [];
        var received = new ReceivedTransaction(txnId, body["origin"]!.GetValue<string>(), eventIds, DateTime.UtcNow, edus);
        switch (Behaviour)
        {
            case Mode.Stall:
                Interlocked.Increment(ref _stalled);
                try
                {
                    using var either = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _released.Token);
                    await Task.Delay(Timeout.Infinite, either.Token);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    Interlocked.Decrement(ref _stalled);
                }
                return;
            case Mode.Fail:
                lock (_accepted) _refused.Add(received);
                context.Response.StatusCode = 500;
                await context.Response.WriteAsJsonAsync(new { errcode = "M_UNKNOWN", error = "Failing on purpose" });
                return;
            default:
                lock (_accepted)
                    if (_accepted.All(t => t.TxnId != txnId))
                        _accepted.Add(received);
                await context.Response.WriteAsJsonAsync(new { pdus = eventIds.ToDictionary(id => id, _ => new { }) });
                return;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _released.CancelAsync();
        await _server.DisposeAsync();
        _released.Dispose();
    }
}
