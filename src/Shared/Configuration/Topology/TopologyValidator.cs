using System.Net;
using System.Text.RegularExpressions;

namespace Cluster.Shared.Configuration.Topology;

/// <summary>Turns a parsed file into a topology, or refuses it with the first problem found.</summary>
internal sealed partial class TopologyValidator(string source)
{
    private const int MinSecretLength = 32;
    private const long DefaultMaxRequestBodyBytes = 50L * 1024 * 1024;

    public ClusterTopology Validate(TopologyFile file, string baseDirectory)
    {
        var secret = Secret(file, baseDirectory);
        if (file.Instances is not { Count: > 0 })
            throw Problem("'instances' must list at least one instance.");
        var instances = file.Instances.Select((instance, index) => Instance(instance, index)).ToList();

        var byName = new Dictionary<string, TopologyInstance>(StringComparer.Ordinal);
        foreach (var instance in instances)
            if (!byName.TryAdd(instance.Name, instance))
                throw Problem($"two instances are named '{instance.Name}'.");
        var router = Router(file.Router);
        CheckAddressesAreDistinct(instances, router);

        var mains = instances.Where(i => i.Has(Roles.Main)).ToList();
        if (mains.Count != 1)
            throw Problem($"exactly one instance must have the role 'main' (found {mains.Count}).");
        if (mains[0].Roles.Count != 1)
            throw Problem($"instance '{mains[0].Name}' is the main process and cannot also have worker roles.");
        foreach (var role in new[] { Roles.EventPersister, Roles.EventCreator, Roles.SyncReader, Roles.ClientReader, Roles.StreamWriter })
            if (!instances.Any(i => i.Has(role)))
                throw Problem($"no instance has the role '{role}', which the client API needs.");

        var shards = Shards(instances);
        var streamWriters = StreamWriters(file.StreamWriters, byName);
        var senders = FederationSenders(file.FederationSenders, byName);
        return ClusterTopology.Create(secret, instances, streamWriters, senders, router, shards);
    }

    private string Secret(TopologyFile file, string baseDirectory)
    {
        if (file.ClusterSecret is not null && file.ClusterSecretFile is not null)
            throw Problem("give 'cluster_secret' or 'cluster_secret_file', not both.");
        var secret = file.ClusterSecret;
        if (file.ClusterSecretFile is { } path)
        {
            var full = Path.Combine(baseDirectory, path);
            try
            {
                secret = File.ReadAllText(full).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Problem($"cannot read cluster_secret_file {full}: {e.Message}");
            }
        }
        if (secret is null)
            throw Problem("'cluster_secret' (or 'cluster_secret_file') is required: internal calls are authenticated with it.");
        if (secret.Length < MinSecretLength)
            throw Problem($"the cluster secret must be at least {MinSecretLength} characters long.");
        return secret;
    }

    private TopologyInstance Instance(InstanceFile? file, int index)
    {
        if (file is null)
            throw Problem($"instances[{index}] is null.");
        if (file.Name is not { } name || !InstanceName().IsMatch(name))
            throw Problem($"instances[{index}] needs a 'name' of lower-case letters, digits and '-' (got '{file.Name}').");
        if (file.Roles is not { Count: > 0 })
            throw Problem($"instance '{name}' lists no roles.");
        var roles = new List<string>();
        foreach (var role in file.Roles)
        {
            if (role is null || !ClusterTopology.KnownRoles.Contains(role))
                throw Problem($"instance '{name}' has unknown role '{role}'. Known roles: {string.Join(", ", ClusterTopology.KnownRoles)}.");
            if (roles.Contains(role))
                throw Problem($"instance '{name}' lists role '{role}' twice.");
            roles.Add(role);
        }
        var listen = Endpoint(file.Listen, $"instance '{name}': 'listen'");
        var @internal = Endpoint(file.Internal, $"instance '{name}': 'internal'");
        var persister = roles.Contains(Roles.EventPersister);
        if (persister && file.Shard is null)
            throw Problem($"instance '{name}' is an event persister and needs a 'shard' number.");
        if (!persister && file.Shard is not null)
            throw Problem($"instance '{name}' has a 'shard' but is not an event persister.");
        return new TopologyInstance(name, roles, listen, @internal, file.Shard);
    }

    private IPEndPoint Endpoint(string? value, string what)
    {
        if (value is null || !IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0 || !value.Contains(':'))
            throw Problem($"{what} must be an address with a port, such as 127.0.0.1:8101 (got '{value}').");
        return endpoint;
    }

    private void CheckAddressesAreDistinct(List<TopologyInstance> instances, RouterSettings router)
    {
        var seen = new Dictionary<IPEndPoint, string> { [router.Listen] = "the router" };
        foreach (var instance in instances)
            foreach (var (endpoint, what) in new[] { (instance.Listen, "listen"), (instance.Internal, "internal") })
                if (!seen.TryAdd(endpoint, $"instance '{instance.Name}' ({what})"))
                    throw Problem($"instance '{instance.Name}' ({what}) uses {endpoint}, which {seen[endpoint]} already uses.");
    }

    private List<TopologyInstance> Shards(List<TopologyInstance> instances)
    {
        var persisters = instances.Where(i => i.Has(Roles.EventPersister)).OrderBy(i => i.Shard).ToList();
        for (var k = 0; k < persisters.Count; k++)
            if (persisters[k].Shard != k)
                throw Problem($"event persister shards must be numbered 0 to {persisters.Count - 1}, each once " +
                    $"(found {string.Join(", ", persisters.Select(p => $"{p.Name}={p.Shard}"))}).");
        return persisters;
    }

    private Dictionary<string, string> StreamWriters(Dictionary<string, string?>? file, Dictionary<string, TopologyInstance> byName)
    {
        file ??= [];
        foreach (var stream in file.Keys)
            if (!ClusterTopology.WrittenStreams.Contains(stream))
                throw Problem($"stream_writers names unknown stream '{stream}'. Streams: {string.Join(", ", ClusterTopology.WrittenStreams)}.");
        var writers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var stream in ClusterTopology.WrittenStreams)
        {
            if (!file.TryGetValue(stream, out var name) || name is null)
                throw Problem($"stream_writers.{stream} is missing: every stream needs the instance that writes it.");
            if (!byName.TryGetValue(name, out var instance))
                throw Problem($"stream_writers.{stream} names '{name}', which is not an instance.");
            if (!instance.Has(Roles.StreamWriter))
                throw Problem($"stream_writers.{stream} names '{name}', which does not have the role 'stream_writer'.");
            writers[stream] = name;
        }
        return writers;
    }

    private List<string> FederationSenders(List<string?>? file, Dictionary<string, TopologyInstance> byName)
    {
        var senders = new List<string>();
        foreach (var name in file ?? [])
        {
            if (name is null || !byName.TryGetValue(name, out var instance) || !instance.Has(Roles.FederationSender))
                throw Problem($"federation_senders names '{name}', which is not an instance with the role 'federation_sender'.");
            if (senders.Contains(name))
                throw Problem($"federation_senders names '{name}' twice.");
            senders.Add(name);
        }
        // An unlisted sender would own no destination: the operator meant it to send.
        foreach (var instance in byName.Values.Where(i => i.Has(Roles.FederationSender) && !senders.Contains(i.Name)))
            throw Problem($"instance '{instance.Name}' has the role 'federation_sender' but federation_senders does not list it.");
        return senders;
    }

    private RouterSettings Router(RouterFile? file)
    {
        if (file is null)
            throw Problem("'router' is required (at least its 'listen' address).");
        var listen = Endpoint(file.Listen, "router: 'listen'");
        var maxBody = file.MaxRequestBodyBytes ?? DefaultMaxRequestBodyBytes;
        if (maxBody <= 0)
            throw Problem("router: 'max_request_body_bytes' must be positive.");
        var interval = file.HealthCheckIntervalSeconds ?? 2;
        if (interval is <= 0 or > 3600)
            throw Problem("router: 'health_check_interval_seconds' must be between 0 and 3600.");
        return new RouterSettings(listen, maxBody, TimeSpan.FromSeconds(interval));
    }

    private TopologyException Problem(string message) => new($"{source}: {message}");

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex InstanceName();
}
