using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Shared.Http;

/// <summary>
/// Maps a client API endpoint under <c>/_matrix/client/v3</c>; <see cref="UseR0Alias"/> serves
/// the same endpoints under <c>r0</c> (clients still use it), so the two can never drift apart.
/// </summary>
public static class ClientApiRoutes
{
    public const string V3Prefix = "/_matrix/client/v3";
    public const string R0Prefix = "/_matrix/client/r0";
    public const string V1Prefix = "/_matrix/client/v1";

    /// <summary>
    /// Routes <c>/_matrix/client/r0/...</c> as <c>/_matrix/client/v3/...</c>, before routing
    /// runs: one endpoint (and one request delegate built at start) per route instead of two.
    /// Metrics and traces name the v3 route for both.
    /// </summary>
    public static IApplicationBuilder UseR0Alias(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Request.Path.StartsWithSegments(R0Prefix, StringComparison.OrdinalIgnoreCase, out var rest))
            context.Request.Path = new PathString(V3Prefix).Add(rest);
        return next(context);
    });

    public static IEndpointConventionBuilder MapClientGet(this IEndpointRouteBuilder app, string path, Delegate handler, string prefix = V3Prefix) =>
        Map(app, HttpMethods.Get, path, handler, prefix);

    public static IEndpointConventionBuilder MapClientPost(this IEndpointRouteBuilder app, string path, Delegate handler, string prefix = V3Prefix) =>
        Map(app, HttpMethods.Post, path, handler, prefix);

    public static IEndpointConventionBuilder MapClientPut(this IEndpointRouteBuilder app, string path, Delegate handler, string prefix = V3Prefix) =>
        Map(app, HttpMethods.Put, path, handler, prefix);

    public static IEndpointConventionBuilder MapClientDelete(this IEndpointRouteBuilder app, string path, Delegate handler, string prefix = V3Prefix) =>
        Map(app, HttpMethods.Delete, path, handler, prefix);

    private static IEndpointConventionBuilder Map(IEndpointRouteBuilder app, string method, string path, Delegate handler, string prefix) =>
        app.MapMethods($"{prefix}/{path.TrimStart('/')}", [method], handler);
}
