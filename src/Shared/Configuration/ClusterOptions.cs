namespace Cluster.Shared.Configuration;

/// <summary>
/// Settings every process reads from the "Cluster" configuration section
/// (environment variables <c>Cluster__Postgres</c>, <c>Cluster__Redis</c>, ...).
/// </summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>The homeserver's public name, the part after ':' in user IDs.</summary>
    public string ServerName { get; set; } = "localhost";

    /// <summary>Npgsql connection string; unset means no database is configured.</summary>
    public string? Postgres { get; set; }

    /// <summary>StackExchange.Redis configuration string; unset means the in-process bus.</summary>
    public string? Redis { get; set; }

    /// <summary>
    /// The Redis pub/sub channel of the cluster's replication. Clusters that share one Redis server
    /// (test clusters, say) need one each: writer IDs of different databases would collide.
    /// </summary>
    public string RedisChannel { get; set; } = "cluster.replication";

    /// <summary>
    /// The server's signing key file (Synapse's format, one <c>ed25519 version seed</c> line; the
    /// first key signs). Unset: a key is generated once and kept in the database, shared by
    /// every process of the cluster.
    /// </summary>
    public string? SigningKeyPath { get; set; }
}
