using Cluster.Shared.Configuration.Topology;

namespace Cluster.ClusterTests.Fixtures;

/// <summary>One process of a <see cref="LocalCluster"/>: its instance name and roles.</summary>
public sealed record ClusterInstanceSpec(string Name, IReadOnlyList<string> Roles);

/// <summary>
/// The shape of a <see cref="LocalCluster"/>: which instances run (Main is always added as
/// <c>main</c>), the server name, and extra settings every process gets.
/// </summary>
public sealed class LocalClusterOptions
{
    public required IReadOnlyList<ClusterInstanceSpec> Instances { get; init; }

    public string ServerName { get; init; } = "cluster.test";

    /// <summary>Also start the router (Cluster.Router.dll) in front of the instances.</summary>
    public bool WithRouter { get; init; }

    /// <summary>
    /// Name the server after the router's address (<c>127.0.0.1:PORT</c>) instead of
    /// <see cref="ServerName"/>: other servers on loopback find it there (with plain-HTTP
    /// federation on) without well-known or SRV. Needs <see cref="WithRouter"/>.
    /// </summary>
    public bool NamedAfterRouter { get; init; }

    /// <summary>
    /// The usual worker cluster: <paramref name="persisters"/> event persisters (shards in order),
    /// then creators, client readers, sync readers and stream writers, named
    /// <c>event-persister-1</c>, <c>event-creator-1</c>, <c>client-reader-1</c>,
    /// <c>sync-reader-1</c>, <c>stream-writer-1</c>... The first stream writer writes every stream.
    /// </summary>
    public static LocalClusterOptions Standard(
        int persisters = 2, int creators = 1, int clientReaders = 1, int syncReaders = 1, int streamWriters = 1) => new()
        {
            Instances =
            [
                .. Numbered("event-persister", Roles.EventPersister, persisters),
                .. Numbered("event-creator", Roles.EventCreator, creators),
                .. Numbered("client-reader", Roles.ClientReader, clientReaders),
                .. Numbered("sync-reader", Roles.SyncReader, syncReaders),
                .. Numbered("stream-writer", Roles.StreamWriter, streamWriters),
            ],
        };

    /// <summary>
    /// A small cluster that federates, behind its router and named after it: every process that
    /// takes part in federation is a process of its own, so each hand-over between them crosses
    /// internal HTTP or Redis (the federation reader's received events and membership handshakes to
    /// the persister, its inbound EDUs to the stream writer; the sender follows the events stream).
    /// <c>client-reader-1</c> also reads /sync and writes the client streams, to keep the process count down.
    /// </summary>
    public static LocalClusterOptions Federating() => new()
    {
        Instances =
        [
            new("event-persister-1", [Roles.EventPersister]),
            new("event-creator-1", [Roles.EventCreator]),
            new("client-reader-1", [Roles.ClientReader, Roles.SyncReader, Roles.StreamWriter]),
            new("federation-reader-1", [Roles.FederationReader]),
            new("background-1", [Roles.Background, Roles.FederationSender]),
        ],
        WithRouter = true,
        NamedAfterRouter = true,
    };

    private static IEnumerable<ClusterInstanceSpec> Numbered(string prefix, string role, int count) =>
        Enumerable.Range(1, count).Select(i => new ClusterInstanceSpec($"{prefix}-{i}", [role]));
}
