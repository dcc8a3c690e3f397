using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Accounts;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// The content of a user's own join event: membership, reason, and their global profile
/// (display name, avatar), which clients show per room from the member event.
/// </summary>
public sealed class MemberProfiles(ProfileStore profiles)
{
    public async Task<JsonObject> JoinContentAsync(UserId user, string? reason, CancellationToken cancellationToken)
    {
        var profile = await profiles.GetAsync(user, cancellationToken);
        return JoinContent(profile?.DisplayName, profile?.AvatarUrl, reason);
    }

    public static JsonObject JoinContent(string? displayName, string? avatarUrl, string? reason)
    {
        var content = new JsonObject { ["membership"] = MembershipStates.Join };
        if (displayName is not null)
            content["displayname"] = displayName;
        if (avatarUrl is not null)
            content["avatar_url"] = avatarUrl;
        if (reason is not null)
            content["reason"] = reason;
        return content;
    }
}
