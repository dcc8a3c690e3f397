using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace Cluster.Shared.Http;

/// <summary>
/// Which proxies may name the client's address in <c>X-Forwarded-For</c>: loopback (a router or
/// TLS terminator on the same machine) and, when given, one more address (the cluster router's).
/// Nobody else, so a client cannot choose the address its rate limits and devices see.
/// </summary>
public static class LoopbackProxies
{
    public static ForwardedHeadersOptions ForwardedHeaderOptions(IPAddress? alsoTrusted = null)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            // The nearest proxy replaces the header, so the last address is the client's.
            ForwardLimit = 1,
        };
        options.KnownIPNetworks.Clear();
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Add(new System.Net.IPNetwork(IPAddress.Loopback, 8));
        options.KnownProxies.Add(IPAddress.IPv6Loopback);
        if (alsoTrusted is not null && !alsoTrusted.Equals(IPAddress.Any) && !alsoTrusted.Equals(IPAddress.IPv6Any)
            && !IPAddress.IsLoopback(alsoTrusted))
            options.KnownProxies.Add(alsoTrusted);
        return options;
    }
}
