using Cluster.Shared.Events;
using Cluster.Shared.Storage.Events;

namespace Cluster.Shared.Federation.Acl;

/// <summary>
/// The server ACL in a room's current state. A redacted ACL event counts as its redacted content
/// (an empty object, so nobody is allowed), as other servers serving the same state read it.
/// </summary>
public sealed class RoomServerAcls(RoomStateStore state)
{
    public async Task<ServerAcl> GetAsync(string roomId, CancellationToken cancellationToken)
    {
        var stored = await state.GetCurrentStateEventAsync(roomId, RoomEventTypes.ServerAcl, "", cancellationToken);
        if (stored is null)
            return ServerAcl.None;
        var content = stored.IsRedacted ? null : stored.ParseJson()["content"] as System.Text.Json.Nodes.JsonObject;
        return ServerAcl.FromContent(content);
    }
}
