using System.Text.Json.Nodes;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Profiles;
using Cluster.Workers.Host;
using Cluster.Workers.Host.Internal;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// Hands a profile change to an event creator, which updates the user's member events
/// (<see cref="MemberProfilePropagation"/>): this process's own when it hosts the role, otherwise
/// one of the cluster's at <see cref="ProfilePropagationEndpoint"/>. A user's changes always go to
/// the same creator (its per-room locks then order them), the next one when that one is unreachable.
/// </summary>
public sealed class EventCreatorProfilePropagation(
    ClusterContext cluster, InternalClient? client, MemberProfilePropagation? local,
    ILogger<EventCreatorProfilePropagation> logger) : IProfileChangePropagation
{
    public async Task PropagateAsync(UserId user, string? displayName, string? avatarUrl, CancellationToken cancellationToken)
    {
        if (local is not null)
        {
            await local.PropagateAsync(user, displayName, avatarUrl, cancellationToken);
            return;
        }
        if (cluster.Topology is not { } topology || client is null)
            throw new InvalidOperationException("This process hosts no event creator and is not part of a worker cluster.");

        var creators = topology.WithRole(Roles.EventCreator).ToArray();
        var first = RoomShards.ShardOf(user.ToString(), creators.Length);
        var body = new JsonObject
        {
            ["user_id"] = user.ToString(),
            ["displayname"] = displayName,
            ["avatar_url"] = avatarUrl,
        };
        for (var i = 0; i < creators.Length; i++)
        {
            var creator = creators[(first + i) % creators.Length];
            try
            {
                using var response = await client.SendAsync(creator, HttpMethod.Post, ProfilePropagationEndpoint.Path, body, cancellationToken);
                if (response.IsSuccessStatusCode)
                    return;
                var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                throw new InvalidOperationException(
                    $"Event creator {creator.Name} refused the profile change of {user}: {(int)response.StatusCode} {detail}");
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ConnectionError && i < creators.Length - 1)
            {
                logger.LogWarning("Event creator {Creator} is unreachable for the profile change of {UserId}, trying the next: {Reason}",
                    creator.Name, user, e.Message);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The creator may still be at it: asking another would only race it.
                throw new InvalidOperationException($"Event creator {creator.Name} did not finish the profile change of {user} in time.", e);
            }
        }
    }
}

public static class ProfilePropagationServices
{
    /// <summary>For a role that changes profiles: the change updates the user's member events through an event creator.</summary>
    public static IServiceCollection AddMemberEventProfilePropagation(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProfileChangePropagation, EventCreatorProfilePropagation>(
            provider => new EventCreatorProfilePropagation(
                provider.GetRequiredService<ClusterContext>(), provider.GetService<InternalClient>(),
                provider.GetService<MemberProfilePropagation>(), provider.GetRequiredService<ILogger<EventCreatorProfilePropagation>>())));
        return services;
    }
}
