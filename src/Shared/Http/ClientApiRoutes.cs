using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Shared.Http;

/// <summary>
/// Maps a client API endpoint under <c>/_matrix/client/v3</c> and its <c>r0</c> alias at once
/// (clients still use r0), so the two can never drift apart. Conventions added to the result
/// (authentication, rate limits) apply to both.
/// </summary>
public static class ClientApiRoutes
{
    public static readonly string[] V3AndR0 = ["/_matrix/client/v3", "/_matrix/client/r0"];
    public static readonly string[] V1 = ["/_matrix/client/v1"];

    public static IEndpointConventionBuilder MapClientGet(this IEndpointRouteBuilder app, string path, Delegate handler, string[]? prefixes = null) =>
        Map(app, HttpMethods.Get, path, handler, prefixes);

    public static IEndpointConventionBuilder MapClientPost(this IEndpointRouteBuilder app, string path, Delegate handler, string[]? prefixes = null) =>
        Map(app, HttpMethods.Post, path, handler, prefixes);

    public static IEndpointConventionBuilder MapClientPut(this IEndpointRouteBuilder app, string path, Delegate handler, string[]? prefixes = null) =>
        Map(app, HttpMethods.Put, path, handler, prefixes);

    public static IEndpointConventionBuilder MapClientDelete(this IEndpointRouteBuilder app, string path, Delegate handler, string[]? prefixes = null) =>
        Map(app, HttpMethods.Delete, path, handler, prefixes);

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder app, string method, string path, Delegate handler, string[]? prefixes)
    {
        var builders = (prefixes ?? V3AndR0)
            .Select(prefix => app.MapMethods($"{prefix}/{path.TrimStart('/')}", [method], handler))
            .ToArray();
        return new CompositeConventionBuilder(builders);
    }

    private sealed class CompositeConventionBuilder(IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
                builder.Add(convention);
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
                builder.Finally(finallyConvention);
        }
    }
}
