using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;

namespace Cluster.Shared.Federation.Acl;

/// <summary>
/// A room's server ACL (<c>m.room.server_acl</c>): which servers may take part in the room. The
/// spec's order: no ACL allows everyone; an IP literal is denied when <c>allow_ip_literals</c> is
/// false; then a matching <c>deny</c> entry denies, a matching <c>allow</c> entry allows, and
/// anything else is denied. Entries are globs matched against the host without its port.
/// <para>
/// Content other servers wrote is read leniently, so that a malformed ACL denies nothing it could
/// not be read as denying: <c>allow_ip_literals</c> that is not a boolean counts as true (spec),
/// <c>deny</c> that is not an array is no deny list, entries that are not strings match nothing, and
/// an <c>allow</c> that is present but not an array does not restrict (Dendrite and Conduit ignore
/// an ACL they cannot read; Synapse denies everyone). An absent <c>allow</c> is the spec's empty list:
/// nobody is allowed, as the spec warns and Synapse does.
/// </para>
/// </summary>
public sealed class ServerAcl
{
    public const string AllowKey = "allow";
    public const string DenyKey = "deny";
    public const string AllowIpLiteralsKey = "allow_ip_literals";

    /// <summary>The room has no ACL: every server is allowed.</summary>
    public static readonly ServerAcl None = new(allowIpLiterals: true, allow: null, deny: []);

    private readonly bool _allowIpLiterals;
    private readonly string[]? _allow;
    private readonly string[] _deny;

    private ServerAcl(bool allowIpLiterals, string[]? allow, string[] deny)
    {
        _allowIpLiterals = allowIpLiterals;
        _allow = allow;
        _deny = deny;
    }

    /// <summary>The ACL an <c>m.room.server_acl</c> event's content describes (null content: an empty one).</summary>
    public static ServerAcl FromContent(JsonObject? content)
    {
        var allowIpLiterals = content?[AllowIpLiteralsKey] is not JsonValue flag || flag.GetValueKind() != JsonValueKind.False;
        var allow = content?[AllowKey] switch
        {
            null => [],
            JsonArray entries => Strings(entries),
            _ => null,
        };
        var deny = content?[DenyKey] is JsonArray denied ? Strings(denied) : [];
        return new ServerAcl(allowIpLiterals, allow, deny);
    }

    /// <summary>Whether <paramref name="server"/> may take part in the room.</summary>
    public bool Allows(ServerName server)
    {
        if (!_allowIpLiterals && server.IsIPLiteral)
            return false;
        var host = server.HostSpan;
        foreach (var pattern in _deny)
            if (ServerNameGlob.Matches(pattern, host))
                return false;
        if (_allow is null)
            return true;
        foreach (var pattern in _allow)
            if (ServerNameGlob.Matches(pattern, host))
                return true;
        return false;
    }

    /// <summary>Like <see cref="Allows(ServerName)"/> for a name read from an event; a name that is not a server name is denied.</summary>
    public bool Allows(string serverName) => ServerName.TryParse(serverName, out var parsed) && Allows(parsed);

    private static string[] Strings(JsonArray entries) =>
        [.. entries.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())];
}
