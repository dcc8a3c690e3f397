using Cluster.Shared.Configuration.Topology;

namespace Cluster.Router.Routing;

/// <summary>
/// One line of the routing table. A client API path (<see cref="ClientApi"/>) is relative and is
/// routed under both <c>/_matrix/client/v3</c> and <c>/_matrix/client/r0</c>, as the role modules
/// map it (<c>MapClientGet/Post/Put/Delete</c>); other paths are absolute. No methods means any.
/// </summary>
public sealed record RouteRule(string Path, IReadOnlyList<string> Methods, RouteTarget Target, bool ClientApi, bool Fallback = false)
{
    public static readonly IReadOnlyList<string> ClientPrefixes = ["/_matrix/client/v3", "/_matrix/client/r0"];

    /// <summary>The ASP.NET route templates this rule matches.</summary>
    public IEnumerable<string> Templates => ClientApi ? ClientPrefixes.Select(prefix => $"{prefix}/{Path}") : [Path];
}

/// <summary>
/// Which role serves which path: the router's routes are generated from this table and the
/// topology (<see cref="ProxyConfigBuilder"/>), and workers.md quotes it. It follows where the role
/// modules map their endpoints (src/Workers/&lt;Role&gt;/..., module <c>Name</c> = role), so a
/// module that adds an endpoint served by a role other than <c>client_reader</c> adds its line here.
/// </summary>
/// <remarks>
/// Matching is ASP.NET routing's: a request takes the most specific template whose method matches.
/// The method matters: the same path may be read by one role and written by another (room state,
/// aliases). A request whose path is in the table but whose method is not goes to the role of the
/// path's first line, which answers <c>405 M_UNRECOGNIZED</c>. Every other request under
/// <c>/_matrix</c> goes to a <c>client_reader</c>, which serves the rest of the client API and
/// answers <c>404 M_UNRECOGNIZED</c> for what nobody serves. Paths outside <c>/_matrix</c>,
/// <c>/.well-known/matrix</c> and <c>/_synapse/admin</c> (a process's <c>/health</c>,
/// <c>/metrics</c>, <c>/_internal</c>) are never forwarded: the router answers them
/// <c>404 M_UNRECOGNIZED</c> itself.
/// </remarks>
public static class RoutingTable
{
    private static readonly string[] Any = [];
    private static readonly string[] Get = ["GET"];
    private static readonly string[] Post = ["POST"];
    private static readonly string[] Put = ["PUT"];
    private static readonly string[] GetPut = ["GET", "PUT"];
    private static readonly string[] PutDelete = ["PUT", "DELETE"];
    private static readonly string[] GetPutDelete = ["GET", "PUT", "DELETE"];

    private static readonly RouteTarget SyncReader = new RouteTarget.Role(Roles.SyncReader, PinnedByUser: true);
    private static readonly RouteTarget EventCreator = new RouteTarget.Role(Roles.EventCreator);
    private static readonly RouteTarget ClientReader = new RouteTarget.Role(Roles.ClientReader);
    private static readonly RouteTarget FederationReader = new RouteTarget.Role(Roles.FederationReader);
    private static readonly RouteTarget Main = new RouteTarget.Role(Roles.Main);

    public static IReadOnlyList<RouteRule> Rules { get; } =
    [
        // sync_reader (SyncReader/SyncEndpoint.cs): each user's /sync on one reader, whose caches stay warm.
        Client(Get, "sync", SyncReader),

        // event_creator (EventCreator/EventCreatorEndpoints.cs): everything that creates a room event.
        Client(Post, "createRoom", EventCreator),
        Client(Post, "join/{roomIdOrAlias}", EventCreator),
        Client(Post, "knock/{roomIdOrAlias}", EventCreator),
        Client(Post, "rooms/{roomId}/join", EventCreator),
        Client(Post, "rooms/{roomId}/invite", EventCreator),
        Client(Post, "rooms/{roomId}/leave", EventCreator),
        Client(Post, "rooms/{roomId}/forget", EventCreator),
        Client(Post, "rooms/{roomId}/kick", EventCreator),
        Client(Post, "rooms/{roomId}/ban", EventCreator),
        Client(Post, "rooms/{roomId}/unban", EventCreator),
        Client(Put, "rooms/{roomId}/send/{eventType}/{txnId}", EventCreator),
        Client(Put, "rooms/{roomId}/state/{eventType}/{stateKey}", EventCreator),
        Client(Put, "rooms/{roomId}/state/{eventType}", EventCreator),
        Client(Put, "rooms/{roomId}/redact/{eventId}/{txnId}", EventCreator),
        Client(PutDelete, "directory/room/{roomAlias}", EventCreator),
        // ... and the same paths read by client_reader (ClientReader/Rooms/RoomReadEndpoints.cs).
        Client(Get, "rooms/{roomId}/state/{eventType}/{stateKey}", ClientReader),
        Client(Get, "rooms/{roomId}/state/{eventType}", ClientReader),
        Client(Get, "directory/room/{roomAlias}", ClientReader),

        // stream_writer (StreamWriters/*): each stream's endpoints, reads included, on the one
        // instance stream_writers names for it.
        Client(Put, "rooms/{roomId}/typing/{userId}", new RouteTarget.WriterOf("typing")),
        Client(Post, "rooms/{roomId}/receipt/{receiptType}/{eventId}", new RouteTarget.WriterOf("receipts")),
        Client(Post, "rooms/{roomId}/read_markers", new RouteTarget.WriterOf("receipts")),
        Client(GetPut, "user/{userId}/account_data/{type}", new RouteTarget.WriterOf("account_data")),
        Client(GetPut, "user/{userId}/rooms/{roomId}/account_data/{type}", new RouteTarget.WriterOf("account_data")),
        Client(Put, "sendToDevice/{eventType}/{txnId}", new RouteTarget.WriterOf("to_device")),
        Client(Get, "pushrules/", new RouteTarget.WriterOf("push_rules")),
        Client(Get, "pushrules/global/", new RouteTarget.WriterOf("push_rules")),
        Client(GetPutDelete, "pushrules/global/{kind}/{ruleId}", new RouteTarget.WriterOf("push_rules")),
        Client(GetPut, "pushrules/global/{kind}/{ruleId}/enabled", new RouteTarget.WriterOf("push_rules")),
        Client(GetPut, "pushrules/global/{kind}/{ruleId}/actions", new RouteTarget.WriterOf("push_rules")),

        // main (Main/Admin/SharedSecretRegistration.cs): the admin API.
        Absolute(Any, "/_synapse/admin/{**rest}", Main),

        // federation_reader: the federation API, when the topology has such an instance.
        Absolute(Any, "/_matrix/federation/{**rest}", FederationReader),
        Absolute(Any, "/_matrix/key/{**rest}", FederationReader),

        // client_reader: discovery (every process serves /versions; only the accounts module
        // serves .well-known), and every other client endpoint: accounts, devices, profiles
        // (ClientReader/Accounts), room reads, /messages, /context, the directory, filters,
        // presence (presence is served there, not by the presence stream's writer).
        Absolute(Get, "/_matrix/client/versions", ClientReader),
        Absolute(Any, "/.well-known/matrix/{**rest}", ClientReader),
        new RouteRule("/_matrix/{**rest}", Any, ClientReader, ClientApi: false, Fallback: true),
    ];

    private static RouteRule Client(string[] methods, string path, RouteTarget target) => new(path, methods, target, ClientApi: true);

    private static RouteRule Absolute(string[] methods, string path, RouteTarget target) => new(path, methods, target, ClientApi: false);
}
