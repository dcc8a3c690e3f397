using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;

namespace Cluster.Shared.Federation.Client;

/// <summary>What another server answered about one of its room aliases; <see cref="Resolved"/> is null unless usable.</summary>
public sealed record RemoteAliasAnswer(FederationResponse Response, ResolvedAlias? Resolved);

/// <summary>
/// Asks an alias's own server which room it names (<c>/_matrix/federation/v1/query/directory</c>),
/// for joins and for <c>GET /directory/room</c> alike. The answer is believed only as far as its
/// shape: a valid room ID, and at most <see cref="MaxServers"/> valid server names.
/// </summary>
public static class RemoteAliasQuery
{
    public const int MaxServers = 20;

    /// <exception cref="FederationRequestException">The server could not be reached or gave no JSON.</exception>
    public static async Task<RemoteAliasAnswer> AskAsync(FederationClient federation, RoomAlias alias, CancellationToken cancellationToken)
    {
        var response = await federation.SendAsync(alias.ServerName, HttpMethod.Get,
            $"/_matrix/federation/v1/query/directory?room_alias={Uri.EscapeDataString(alias.ToString())}", null, cancellationToken);
        if (!response.IsSuccess || response.Body is not JsonObject body
            || body["room_id"] is not JsonValue id || !id.TryGetValue<string>(out var roomId) || !RoomId.TryParse(roomId, out _))
            return new RemoteAliasAnswer(response, null);
        var servers = body["servers"] is JsonArray listed
            ? listed.OfType<JsonValue>()
                .Select(s => s.TryGetValue<string>(out var name) && ServerName.TryParse(name, out _) ? name : null)
                .OfType<string>().Distinct().Take(MaxServers).ToList()
            : [];
        if (!servers.Contains(alias.ServerName.ToString()))
            servers.Add(alias.ServerName.ToString());
        return new RemoteAliasAnswer(response, new ResolvedAlias(roomId, servers));
    }
}
