using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Acl;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.StreamWriters.Typing;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>
/// <c>m.typing</c> (<c>{room_id, user_id, typing}</c>): a user of the origin, joined to the room
/// now, starts or stops typing there. Applied through the typing stream's writer like a local
/// user's typing, so local clients see it in /sync.
/// </summary>
public sealed class InboundTyping(RoomMembershipStore membership, RoomServerAcls acls, ITypingWriter writer, ILogger<InboundTyping> logger)
{
    public const string EduType = "m.typing";

    /// <summary>
    /// How long a remote user counts as typing after the last notice. The EDU has no timeout: the
    /// sending server re-sends while its user keeps typing, and says when they stop; this only
    /// ends the typing of a server that went quiet (or whose stop got lost).
    /// </summary>
    public static readonly TimeSpan RemoteTimeout = TimeSpan.FromSeconds(30);

    public async Task ApplyAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        var roomId = Pdu.StringOf(content["room_id"]);
        if (!RoomId.TryParse(roomId, out _)
            || !EduOrigin.IsUserOf(origin, content["user_id"], out var userId)
            || content["typing"] is not JsonValue typingNode || !typingNode.TryGetValue<bool>(out var typing))
        {
            logger.LogInformation("{Origin} sent a malformed m.typing EDU, or one for a user of another server; ignoring it", origin);
            return;
        }
        if (!(await acls.GetAsync(roomId, cancellationToken)).Allows(origin))
        {
            logger.LogInformation("{Origin} is denied by the server ACL of {RoomId}; ignoring its m.typing EDU", origin, roomId);
            return;
        }
        if (!await membership.IsJoinedAsync(roomId, userId, cancellationToken))
        {
            logger.LogInformation("{UserId} of {Origin} is not joined to {RoomId}; ignoring its m.typing EDU", userId, origin, roomId);
            return;
        }
        if (typing)
            await writer.StartTypingAsync(roomId, userId, RemoteTimeout, cancellationToken);
        else
            await writer.StopTypingAsync(roomId, userId, cancellationToken);
    }
}
