using Cluster.Shared.Identifiers;
using Microsoft.AspNetCore.Http;

namespace Cluster.Shared.Http;

/// <summary>Who made an authenticated client request: the user, the device and the token's row.</summary>
public sealed record Requester(UserId User, string DeviceId, long AccessTokenId, bool IsAdmin);

/// <summary>Checks an access token; null means the token is unknown, expired or its user deactivated.</summary>
public interface IAccessTokenValidator
{
    ValueTask<Requester?> ValidateAsync(string accessToken, CancellationToken cancellationToken);
}

public static class RequesterHttpContextExtensions
{
    private static readonly object Key = new();

    /// <summary>The requester an endpoint marked with <c>RequireAccessToken</c> was authenticated as.</summary>
    public static Requester Requester(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) && value is Requester requester
            ? requester
            : throw new InvalidOperationException("The endpoint was not marked RequireAccessToken().");

    public static Requester? RequesterOrNull(this HttpContext context) =>
        context.Items.TryGetValue(Key, out var value) ? value as Requester : null;

    internal static void SetRequester(this HttpContext context, Requester requester) => context.Items[Key] = requester;
}
