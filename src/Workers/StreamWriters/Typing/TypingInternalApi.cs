using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Http;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Typing;

/// <summary>Typing writes sent to the typing stream's writer instance.</summary>
public sealed class RemoteTypingWriter(RemoteStreamWriter writer) : ITypingWriter
{
    public Task StartTypingAsync(string roomId, string userId, TimeSpan timeout, CancellationToken cancellationToken) =>
        writer.WriteAsync(TypingInternalEndpoints.Start, new JsonObject
        {
            [TypingInternalEndpoints.RoomId] = roomId,
            [TypingInternalEndpoints.UserId] = userId,
            [TypingInternalEndpoints.TimeoutMs] = (long)timeout.TotalMilliseconds,
        }, cancellationToken);

    public Task StopTypingAsync(string roomId, string userId, CancellationToken cancellationToken) =>
        writer.WriteAsync(TypingInternalEndpoints.Stop, new JsonObject
        {
            [TypingInternalEndpoints.RoomId] = roomId,
            [TypingInternalEndpoints.UserId] = userId,
        }, cancellationToken);
}

/// <summary>The typing writer's internal endpoints, which <see cref="RemoteTypingWriter"/> calls.</summary>
internal static class TypingInternalEndpoints
{
    public const string Start = "start";
    public const string Stop = "stop";
    public const string RoomId = "room_id";
    public const string UserId = "user_id";
    public const string TimeoutMs = "timeout_ms";

    public static void Map(IEndpointRouteBuilder app)
    {
        var writes = app.MapInternalStreamWrites(TypingStream.StreamName);
        writes.MapPost(Start, async (HttpContext context, TypingWriter writer) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            var timeout = body.OptionalInteger(TimeoutMs) is long ms and >= 0
                ? TimeSpan.FromMilliseconds(Math.Min(ms, (long)TypingWriter.MaxTimeout.TotalMilliseconds))
                : throw MatrixException.BadJson($"'{TimeoutMs}' must be a non-negative integer.");
            return InternalStreamWrites.Reply(await writer.StartTypingAsync(
                body.RequiredString(RoomId), body.RequiredString(UserId), timeout, context.RequestAborted));
        });
        writes.MapPost(Stop, async (HttpContext context, TypingWriter writer) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            return InternalStreamWrites.Reply(await writer.StopTypingAsync(
                body.RequiredString(RoomId), body.RequiredString(UserId), context.RequestAborted));
        });
    }
}
