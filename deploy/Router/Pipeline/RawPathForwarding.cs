using Cluster.Shared.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;

namespace Cluster.Router.Pipeline;

/// <summary>
/// Forwards the path exactly as the client encoded it. Matrix identifiers may hold '/' (room
/// version 3 event IDs, state keys), sent as <c>%2F</c>; Kestrel keeps that escape in the decoded
/// path while turning <c>%25</c> into '%', so the decoded path cannot say which of the two the
/// client sent, and rebuilding the URL from it changes what the worker reads. The raw target is
/// used only when it has no dot segments: Kestrel removed those before the route was chosen, and a
/// forwarded <c>/../</c> must never reach a path other than the one the routing table matched.
/// </summary>
public static class RawPathForwarding
{
    public static void Apply(RequestTransformContext context)
    {
        var target = context.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(target) || target[0] != '/' || RawTarget.HasDotSegment(target))
            return;
        if (Uri.TryCreate(context.DestinationPrefix.TrimEnd('/') + target, UriKind.Absolute, out var uri))
            context.ProxyRequest.RequestUri = uri;
    }
}
