namespace Cluster.Shared.Http;

/// <summary>Route values as clients meant them.</summary>
public static class PathValues
{
    /// <summary>
    /// Kestrel decodes a request path's percent-escapes before routing except <c>%2F</c>, which
    /// it leaves encoded so that it cannot split a segment. A state key or event type a client
    /// percent-encoded with a '/' in it therefore arrives as "%2F"; this finishes the decoding.
    /// (A literal "%2F" sent as "%252F" is indistinguishable after Kestrel's pass and becomes '/' too.)
    /// </summary>
    public static string Decode(string value) =>
        value.Contains('%') ? value.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase) : value;
}
