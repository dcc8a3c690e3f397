using Cluster.Shared.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;

namespace Cluster.Workers.Host;

/// <summary>
/// Answers every request no endpoint took, as the spec asks: <c>405 M_UNRECOGNIZED</c> when the
/// path is known but the method is not, <c>404 M_UNRECOGNIZED</c> otherwise.
/// </summary>
public static class UnrecognizedFallback
{
    public static void MapUnrecognizedFallback(this WebApplication app)
    {
        var knownPaths = new Lazy<TemplateMatcher[]>(() => app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null && e.Order < int.MaxValue)
            .Select(e => e.RoutePattern.RawText)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Select(raw => new TemplateMatcher(TemplateParser.Parse(raw.TrimStart('/')), new RouteValueDictionary()))
            .ToArray());

        app.MapFallback((HttpContext context) =>
        {
            var values = new RouteValueDictionary();
            var pathKnown = knownPaths.Value.Any(m => m.TryMatch(context.Request.Path, values));
            // Written directly rather than thrown: scanners probe unknown paths by the thousand.
            return MatrixErrorMiddleware.WriteAsync(context, pathKnown
                ? new MatrixException(StatusCodes.Status405MethodNotAllowed, ErrCodes.Unrecognized, "Unrecognized request method")
                : MatrixException.Unrecognized());
        });
    }
}
