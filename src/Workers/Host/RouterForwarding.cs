using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Cluster.Workers.Host;

/// <summary>
/// Behind the router a request arrives from the router's address; the client's is in the
/// <c>X-Forwarded-For</c> the router sets (and <c>X-Forwarded-Proto/Host</c> the URL it used).
/// Taking them from loopback and from the router's own address in the topology, and from nobody
/// else, lets per-address rate limits and devices' last-seen addresses see the client without
/// letting a client choose its address.
/// </summary>
public static class RouterForwarding
{
    public static IApplicationBuilder UseRouterForwardedHeaders(this IApplicationBuilder app, ClusterContext cluster)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // The router replaces the header, so the last address is the client's.
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Add(new System.Net.IPNetwork(IPAddress.Loopback, 8));
        options.KnownProxies.Add(IPAddress.IPv6Loopback);
        if (cluster.Topology?.Router.Listen.Address is { } router
            && !router.Equals(IPAddress.Any) && !router.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(router))
            options.KnownProxies.Add(router);
        return app.UseForwardedHeaders(options);
    }
}
