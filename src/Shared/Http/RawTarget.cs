namespace Cluster.Shared.Http;

/// <summary>
/// The request target as the client sent it (before Kestrel decoded and normalised the path):
/// what both the router (forwarding it unchanged) and the endpoints (reading IDs from it) need.
/// </summary>
public static class RawTarget
{
    /// <summary>The path part of <paramref name="target"/> (without the query).</summary>
    public static ReadOnlySpan<char> PathOf(string target)
    {
        var query = target.IndexOf('?');
        return query >= 0 ? target.AsSpan(0, query) : target.AsSpan();
    }

    /// <summary>
    /// Whether a path segment is "." or ".." once percent-decoded: Kestrel removes those before
    /// routing, so the raw target then names another path than the one routed.
    /// </summary>
    public static bool HasDotSegment(string target)
    {
        var path = PathOf(target);
        foreach (var range in path.Split('/'))
        {
            var segment = path[range];
            if (segment.IsEmpty || (segment.IndexOf('.') < 0 && segment.IndexOf('%') < 0))
                continue;
            if (Uri.UnescapeDataString(segment.ToString()) is "." or "..")
                return true;
        }
        return false;
    }
}
