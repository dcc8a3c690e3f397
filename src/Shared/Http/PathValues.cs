using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Cluster.Shared.Http;

/// <summary>
/// Route values exactly as the client encoded them. Kestrel decodes the path before routing except
/// <c>%2F</c>, which it leaves encoded so a segment cannot split, while it does decode <c>%25</c>: in
/// route values "%2F" may thus stand for '/' or for a literal "%2F" sent as "%252F". IDs and state
/// keys may hold either, so the parameter's segment is taken from the raw request target and
/// decoded once.
/// </summary>
public static class PathValues
{
    /// <summary>The route parameter <paramref name="name"/>, decoded from the raw request target.</summary>
    public static string Get(HttpContext context, string name)
    {
        var routeValue = context.Request.RouteValues[name]?.ToString() ?? "";
        if (context.GetEndpoint() is not RouteEndpoint endpoint)
            return Decode(routeValue);
        var segments = endpoint.RoutePattern.PathSegments;
        var index = -1;
        for (var i = 0; i < segments.Count; i++)
            if (segments[i].Parts.Count == 1 && segments[i].Parts[0] is Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart part && part.Name == name)
                index = i;
        var raw = RawSegments(context);
        if (raw is not null && raw.Length == segments.Count + 1 && raw[^1].Length == 0)
            raw = raw[..^1]; // a trailing slash, which routing tolerates
        if (index < 0 || raw is null || raw.Length != segments.Count)
            return Decode(routeValue);
        return Uri.UnescapeDataString(raw[index]);
    }

    /// <summary>Finishes Kestrel's decoding of a route value: its remaining "%2F" become '/'.</summary>
    public static string Decode(string value) =>
        value.Contains('%') ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) : value;

    // The raw target's path segments; null when it holds dot segments (Kestrel removed those
    // before routing, so positions would not line up with the route pattern).
    private static string[]? RawSegments(HttpContext context)
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/' || RawTarget.HasDotSegment(target))
            return null;
        return RawTarget.PathOf(target)[1..].ToString().Split('/');
    }
}
