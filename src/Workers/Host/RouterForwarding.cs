using Cluster.Shared.Http;

namespace Cluster.Workers.Host;

/// <summary>
/// Behind the router a request arrives from the router's address; the client's is in the
/// <c>X-Forwarded-For</c> the router sets (and <c>X-Forwarded-Proto/Host</c> the URL it used).
/// Taken from loopback and the router's own address in the topology only.
/// </summary>
public static class RouterForwarding
{
    public static IApplicationBuilder UseRouterForwardedHeaders(this IApplicationBuilder app, ClusterContext cluster) =>
        app.UseForwardedHeaders(LoopbackProxies.ForwardedHeaderOptions(cluster.Topology?.Router.Listen.Address));
}
