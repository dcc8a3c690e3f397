using Cluster.Shared.Http;
using Cluster.Shared.Storage.Accounts;

namespace Cluster.Router.Affinity;

/// <summary>
/// Who a request is from, as far as the router can tell without a database: the localpart that
/// access tokens carry (see <see cref="AccessTokens"/>), or, for a token of the old format, the
/// token itself (one device then stays on one reader). Null without a token.
/// </summary>
public static class SyncAffinityKey
{
    public static string? Of(HttpRequest request) => Of(AccessTokenAuthentication.ReadToken(request));

    public static string? Of(string? accessToken)
    {
        if (string.IsNullOrEmpty(accessToken))
            return null;
        return AccessTokens.TryReadLocalpart(accessToken, out var localpart) ? "user:" + localpart : "token:" + accessToken;
    }
}
