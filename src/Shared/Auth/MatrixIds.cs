namespace Cluster.Shared.Auth;

/// <summary>
/// The parts of the identifier grammar (spec appendix "Identifier Grammar") the authorization rules need:
/// the server part of an ID, and whether a string is a user ID.
/// </summary>
internal static class MatrixIds
{
    private const int MaxUserIdLength = 255;

    /// <summary>The server name after the first colon of a sigilled ID, or null when there is none.</summary>
    public static string? DomainOf(string id)
    {
        var colon = id.IndexOf(':');
        return colon < 0 ? null : id[(colon + 1)..];
    }

    /// <summary>True when both IDs carry the same server name (false when either has none).</summary>
    public static bool SameDomain(string a, string b)
    {
        var ca = a.IndexOf(':');
        var cb = b.IndexOf(':');
        return ca >= 0 && cb >= 0 && a.AsSpan(ca + 1).SequenceEqual(b.AsSpan(cb + 1));
    }

    /// <summary>
    /// A user ID as the spec's grammar allows it, historical localparts included (any printable ASCII
    /// except ':'), because rooms created long ago hold such users and must keep authorizing the same way.
    /// </summary>
    public static bool IsValidUserId(string? id)
    {
        if (id is null || id.Length < 4 || id.Length > MaxUserIdLength || id[0] != '@') return false;
        var colon = id.IndexOf(':');
        if (colon < 2) return false; // empty localpart or no server name
        for (var i = 1; i < colon; i++)
            if (id[i] is < '!' or > '~') return false;
        return IsValidServerName(id.AsSpan(colon + 1));
    }

    /// <summary>server_name = hostname [ ":" port ], hostname an IPv4 address, a bracketed IPv6 literal or a DNS name.</summary>
    public static bool IsValidServerName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty) return false;
        ReadOnlySpan<char> port;
        if (name[0] == '[')
        {
            var close = name.IndexOf(']');
            if (close < 2) return false;
            foreach (var c in name[1..close])
                if (!(char.IsAsciiHexDigit(c) || c is ':' or '.')) return false;
            var rest = name[(close + 1)..];
            if (rest.IsEmpty) return true;
            if (rest[0] != ':') return false;
            port = rest[1..];
        }
        else
        {
            var colon = name.IndexOf(':');
            var host = colon < 0 ? name : name[..colon];
            port = colon < 0 ? [] : name[(colon + 1)..];
            if (colon >= 0 && port.IsEmpty) return false;
            if (host.IsEmpty || host.Length > 255) return false;
            foreach (var c in host)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.')) return false;
        }
        if (port.Length > 5) return false;
        foreach (var c in port)
            if (!char.IsAsciiDigit(c)) return false;
        return true;
    }
}
