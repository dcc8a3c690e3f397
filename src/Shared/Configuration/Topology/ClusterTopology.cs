using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Shared.Configuration.Topology;

/// <summary>
/// One deployment: every process (instance) with its roles and addresses, which instance
/// writes each stream, the event persister shards, the federation senders and the secret of
/// internal calls. Main, every worker and the router read the same file; <see cref="Load"/>
/// refuses a file that could not run, naming the problem.
/// </summary>
public sealed class ClusterTopology
{
    /// <summary>Roles an instance may name. <c>main</c> is the main process (src/Main); the rest are worker roles.</summary>
    public static readonly IReadOnlyList<string> KnownRoles =
    [
        Roles.Main, Roles.SyncReader, Roles.ClientReader, Roles.EventCreator, Roles.EventPersister,
        Roles.StreamWriter, Roles.FederationReader, Roles.FederationSender, Roles.Background,
    ];

    /// <summary>The streams a <c>stream_writer</c> instance is named for in <see cref="StreamWriters"/>.</summary>
    public static readonly IReadOnlyList<string> WrittenStreams =
        ["typing", "receipts", "to_device", "account_data", "presence", "push_rules"];

    /// <summary>Shared by every process; internal HTTP calls carry it. At least 32 characters.</summary>
    public required string ClusterSecret { get; init; }

    public required IReadOnlyList<TopologyInstance> Instances { get; init; }

    /// <summary>Stream name (see <see cref="WrittenStreams"/>) to the instance that writes it.</summary>
    public required IReadOnlyDictionary<string, string> StreamWriters { get; init; }

    /// <summary>Instances that send federation traffic, each to the destinations whose hash falls in its shard (its index here).</summary>
    public IReadOnlyList<string> FederationSenders { get; init; } = [];

    public required RouterSettings Router { get; init; }

    /// <summary>Event persisters by shard: element k writes the rooms whose hash falls in shard k.</summary>
    public IReadOnlyList<TopologyInstance> PersisterShards { get; private init; } = [];

    public TopologyInstance Main => Instances.Single(i => i.Has(Roles.Main));

    public TopologyInstance Instance(string name) =>
        Instances.FirstOrDefault(i => i.Name == name)
        ?? throw new TopologyException($"The topology has no instance named '{name}'.");

    public IEnumerable<TopologyInstance> WithRole(string role) => Instances.Where(i => i.Has(role));

    /// <summary>The persister that owns <paramref name="roomId"/>.</summary>
    public TopologyInstance PersisterOf(string roomId) => PersisterShards[RoomShards.ShardOf(roomId, PersisterShards.Count)];

    /// <summary>
    /// The federation sender that sends to <paramref name="destination"/> (a server name), by the same
    /// stable hash as persister shards over <see cref="FederationSenders"/>; null when the topology has none.
    /// </summary>
    public string? FederationSenderOf(string destination) =>
        FederationSenders.Count == 0 ? null : FederationSenders[RoomShards.ShardOf(destination, FederationSenders.Count)];

    /// <summary>
    /// The federation reader that processes the PDUs other servers send in <paramref name="roomId"/>
    /// (whichever reader took the transaction), by the persisters' stable hash over the instances
    /// with the role in file order, so that one room's PDUs are processed in arrival order by one
    /// process; null when the topology has none.
    /// </summary>
    public string? InboundPduProcessorOf(string roomId)
    {
        var readers = WithRole(Roles.FederationReader).ToList();
        return readers.Count == 0 ? null : readers[RoomShards.ShardOf(roomId, readers.Count)].Name;
    }

    public static ClusterTopology Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TopologyException($"Cannot read the topology file {path}: {e.Message}", e);
        }
        return Parse(text, Path.GetDirectoryName(Path.GetFullPath(path))!, path);
    }

    /// <summary>Parses and validates a topology; relative secret files resolve against <paramref name="baseDirectory"/>.</summary>
    public static ClusterTopology Parse(string json, string baseDirectory, string source = "topology")
    {
        TopologyFile? file;
        try
        {
            file = JsonSerializer.Deserialize<TopologyFile>(json, FileOptions);
        }
        catch (JsonException e)
        {
            throw new TopologyException($"{source}: not a valid topology file ({e.Message})", e);
        }
        if (file is null)
            throw new TopologyException($"{source}: the file holds no topology object.");
        return new TopologyValidator(source).Validate(file, baseDirectory);
    }

    internal static ClusterTopology Create(
        string secret, IReadOnlyList<TopologyInstance> instances, IReadOnlyDictionary<string, string> streamWriters,
        IReadOnlyList<string> federationSenders, RouterSettings router, IReadOnlyList<TopologyInstance> shards) => new()
        {
            ClusterSecret = secret,
            Instances = instances,
            StreamWriters = streamWriters,
            FederationSenders = federationSenders,
            Router = router,
            PersisterShards = shards,
        };

    internal static readonly JsonSerializerOptions FileOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };
}

public static class Roles
{
    public const string Main = "main";
    public const string SyncReader = "sync_reader";
    public const string ClientReader = "client_reader";
    public const string EventCreator = "event_creator";
    public const string EventPersister = "event_persister";
    public const string StreamWriter = "stream_writer";
    public const string FederationReader = "federation_reader";
    public const string FederationSender = "federation_sender";
    public const string Background = "background";
}

/// <summary>
/// One process. <see cref="Listen"/> serves the client API behind the router; <see cref="Internal"/>
/// serves internal calls (cluster secret), health and metrics, and is never routed to.
/// </summary>
public sealed record TopologyInstance(
    string Name, IReadOnlyList<string> Roles, IPEndPoint Listen, IPEndPoint Internal, int? Shard)
{
    public bool Has(string role) => Roles.Contains(role, StringComparer.Ordinal);

    public Uri ListenUri => new($"http://{Listen}/");

    public Uri InternalUri => new($"http://{Internal}/");
}

/// <summary>The router's own settings.</summary>
public sealed record RouterSettings(IPEndPoint Listen, long MaxRequestBodyBytes, TimeSpan HealthCheckInterval);

/// <summary>A topology that could not run; the message names the problem.</summary>
public sealed class TopologyException(string message, Exception? inner = null) : Exception(message, inner);

// The file's shape; the validator turns it into a ClusterTopology.
internal sealed class TopologyFile
{
    public string? ClusterSecret { get; set; }
    public string? ClusterSecretFile { get; set; }
    public List<InstanceFile?>? Instances { get; set; }
    public Dictionary<string, string?>? StreamWriters { get; set; }
    public List<string?>? FederationSenders { get; set; }
    public RouterFile? Router { get; set; }
}

internal sealed class InstanceFile
{
    public string? Name { get; set; }
    public List<string?>? Roles { get; set; }
    public string? Listen { get; set; }
    public string? Internal { get; set; }
    public int? Shard { get; set; }
}

internal sealed class RouterFile
{
    public string? Listen { get; set; }
    public long? MaxRequestBodyBytes { get; set; }
    public double? HealthCheckIntervalSeconds { get; set; }
}
