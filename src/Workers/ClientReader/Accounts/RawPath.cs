namespace Cluster.Workers.ClientReader.Accounts;

/// <summary>
/// Path parameters read from the request target as sent. Kestrel leaves <c>%2F</c> encoded in
/// the decoded path but decodes <c>%25</c>, so <c>%252F</c> and <c>%2F</c> look alike there; IDs
/// may contain '/', so decoding the raw segment once is the only unambiguous reading.
/// </summary>
internal static class RawPath
{
    /// <summary>The decoded segment right after the first segment equal to <paramref name="anchor"/>, or null.</summary>
    public static string? SegmentAfter(HttpContext context, string anchor)
    {
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget
            ?? context.Request.Path.Value ?? "";
        var query = target.IndexOf('?');
        if (query >= 0)
            target = target[..query];
        var segments = target.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
            if (segments[i] == anchor)
                return Uri.UnescapeDataString(segments[i + 1]);
        return null;
    }
}
