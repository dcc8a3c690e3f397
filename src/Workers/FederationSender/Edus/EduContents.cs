using System.Text.Json.Nodes;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.Typing;

namespace Cluster.Workers.FederationSender.Edus;

/// <summary>The spec's shapes of the EDUs this server sends (Server-Server API: "Typing Notifications", "Receipts").</summary>
public static class EduContents
{
    public const string Typing = "m.typing";
    public const string Receipt = "m.receipt";

    /// <summary><c>{"room_id", "user_id", "typing"}</c>: the receiving server times typing out itself.</summary>
    public static OutboundEdu Of(TypingRow row) => new(Typing, new JsonObject
    {
        ["room_id"] = row.RoomId,
        ["user_id"] = row.UserId,
        ["typing"] = row.Typing,
    });

    /// <summary><c>{room_id: {"m.read": {user_id: {"event_ids": [...], "data": {"ts", "thread_id"?}}}}}</c>.</summary>
    public static OutboundEdu Of(ReceiptRow row)
    {
        var data = new JsonObject { ["ts"] = row.Ts };
        if (row.ThreadId is { } thread)
            data["thread_id"] = thread;
        return new OutboundEdu(Receipt, new JsonObject
        {
            [row.RoomId] = new JsonObject
            {
                [row.ReceiptType] = new JsonObject
                {
                    [row.UserId] = new JsonObject
                    {
                        ["event_ids"] = new JsonArray(row.EventId),
                        ["data"] = data,
                    },
                },
            },
        });
    }
}
