using System.Text.Json.Nodes;
using Cluster.Replication.Streams.AccountData;
using Cluster.Shared.Http;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>Account data writes sent to the account data stream's writer instance.</summary>
public sealed class RemoteAccountDataWriter(RemoteStreamWriter writer) : IAccountDataWriter
{
    public Task SetAsync(string userId, string roomId, string type, JsonObject content, CancellationToken cancellationToken) =>
        writer.WriteAsync(AccountDataInternalEndpoints.Set, new JsonObject
        {
            [AccountDataInternalEndpoints.UserId] = userId,
            [AccountDataInternalEndpoints.RoomId] = roomId,
            [AccountDataInternalEndpoints.Type] = type,
            // Cloned: the caller keeps its object, and a node has one parent.
            [AccountDataInternalEndpoints.Content] = content.DeepClone(),
        }, cancellationToken);
}

/// <summary>The account data writer's internal endpoint, which <see cref="RemoteAccountDataWriter"/> calls.</summary>
internal static class AccountDataInternalEndpoints
{
    public const string Set = "set";
    public const string UserId = "user_id";
    public const string RoomId = "room_id";
    public const string Type = "type";
    public const string Content = "content";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapInternalStreamWrites(AccountDataStream.StreamName).MapPost(Set, async (HttpContext context, AccountDataWriter writer) =>
        {
            var body = await RequestBody.ReadObjectAsync(context);
            // room_id "" is global account data.
            return InternalStreamWrites.Reply(await writer.SetAsync(
                body.RequiredString(UserId), body.RequiredString(RoomId), body.RequiredString(Type), body.RequiredObject(Content), context.RequestAborted));
        });
}
