namespace Cluster.Shared.Profiles;

/// <summary>
/// Told after a local user's profile changed (PUT /profile/{userId}/displayname or avatar_url),
/// with the whole profile as it now is, so it can update the user's member events in the rooms
/// they are joined to. Every registered implementation is called; one failing does not stop the
/// others, nor undo the change.
/// </summary>
public interface IProfileChangePropagation
{
    Task PropagateAsync(Cluster.Shared.Identifiers.UserId user, string? displayName, string? avatarUrl, CancellationToken cancellationToken);
}
