using System.Security.Cryptography;
using System.Text;
using Cluster.Shared.Http;

namespace Cluster.Workers.Host.Internal;

/// <summary>
/// Endpoints other processes of the cluster call (<c>/_internal/...</c>): served only on the
/// instance's internal address, which the router never forwards to, and only to callers that
/// present the cluster secret. In single-process mode they do not answer at all.
/// </summary>
public static class InternalApi
{
    public const string Prefix = "/_internal";
    public const string SecretHeader = "X-Cluster-Secret";

    public static RouteGroupBuilder MapInternal(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Prefix);
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var cluster = http.RequestServices.GetRequiredService<ClusterContext>();
            if (cluster.Topology is null || cluster.Instance is null || http.Connection.LocalPort != cluster.Instance.Internal.Port)
                throw MatrixException.Unrecognized();
            if (!SecretMatches(http.Request.Headers[SecretHeader].ToString(), cluster.Topology.ClusterSecret))
                throw MatrixException.Forbidden("Internal endpoints need the cluster secret.");
            return await next(invocation);
        });
        return group;
    }

    private static bool SecretMatches(string presented, string secret) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(secret));
}
