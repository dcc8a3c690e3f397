using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// The wire format of <c>POST /_internal/events/persist</c>, from a creator to the room's persister:
/// <see cref="PersistRequest"/> and <see cref="PersistResult"/> as snake_case JSON (the canonical
/// event bytes as base64, so they arrive exactly as signed and hashed), and the error codes that
/// carry <see cref="RoomMovedOnException"/>, <see cref="DuplicateTransactionException"/> and
/// <see cref="RoomNotOwnedException"/> across the hop. Internal only: clients never see these codes.
/// </summary>
public static class PersistProtocol
{
    public const string Path = "events/persist";

    /// <summary>Events received from other servers (<see cref="ReceivedPersistRequest"/>).</summary>
    public const string ReceivedPath = "events/persist_received";

    /// <summary>409, with the <c>event_id</c> and its <c>missing</c> prev events: fetch the state before it and send again.</summary>
    public const string MissingPrevState = "CLUSTER_MISSING_PREV_STATE";

    /// <summary>409: rebuild on the room's new extremities and send again.</summary>
    public const string RoomMovedOn = "CLUSTER_ROOM_MOVED_ON";

    /// <summary>409, with the <c>transaction</c> that was used before: nothing was persisted.</summary>
    public const string DuplicateTransaction = "CLUSTER_DUPLICATE_TRANSACTION";

    /// <summary>421, with the <c>owner</c>: the caller's topology disagrees with the persister's.</summary>
    public const string NotRoomOwner = "CLUSTER_NOT_ROOM_OWNER";

    /// <summary>
    /// A createRoom batch can outgrow the client body limit once signed and base64-encoded (every
    /// invite is an event); the caller is authenticated, so the bound only stops a runaway.
    /// </summary>
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };
}
