using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Shared.Http;

/// <summary>
/// Client API endpoints live under <c>/_matrix/client/v3</c>; <see cref="UseR0Alias"/> serves
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

    /// <summary>
    /// The group every client API endpoint is mapped in: <c>app.ClientV3().MapGet("sync", ...)</c>.
    /// The handler stays at the <c>MapGet</c> call so the request delegate generator compiles its
    /// request delegate at build time instead of the process at start (BENCHMARKS.md, session 15).
    /// </summary>
    public static RouteGroupBuilder ClientV3(this IEndpointRouteBuilder app) => app.MapGroup(V3Prefix);
}
