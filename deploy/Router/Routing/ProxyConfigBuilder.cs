using Cluster.Router.Affinity;
using Cluster.Router.Health;
using Cluster.Shared.Configuration.Topology;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;

namespace Cluster.Router.Routing;

/// <summary>The routes and clusters the router proxies with: the routing table resolved against a topology.</summary>
public sealed record ProxyConfig(IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters);

/// <summary>
/// Turns <see cref="RoutingTable.Rules"/> and a topology into YARP configuration: a cluster per
/// role (per writer instance for stream writers) whose destinations are the instances' public
/// <c>listen</c> addresses (never <c>internal</c>), and a route per rule and template.
/// </summary>
public static class ProxyConfigBuilder
{
    // Route orders: ASP.NET routing tries lower orders first, then the most specific template.
    private const int RuleOrder = 0;
    private const int AnyMethodOrder = 1;
    private const int FallbackOrder = 2;

    /// <summary>A long-poll /sync may wait 3 minutes (SyncRequest.MaxTimeout) without a byte.</summary>
    private static readonly TimeSpan SyncActivityTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Two failed probes in a row take an instance out: one lost probe on a busy machine does not.</summary>
    private const int ProbeFailuresToEject = 2;

    public static ProxyConfig Build(ClusterTopology topology, IReadOnlyList<RouteRule>? rules = null)
    {
        rules ??= RoutingTable.Rules;
        // A rule whose role no instance has (federation_reader in a cluster without federation)
        // is left out, so its requests fall through to the client_reader fallback.
        var usable = rules.Where(rule => rule.Target.Instances(topology).Count > 0).ToList();

        var routes = new List<RouteConfig>();
        var pathsSeen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in usable)
        {
            var clusterId = rule.Target.ClusterId(topology);
            foreach (var template in rule.Templates)
            {
                var order = rule.Fallback ? FallbackOrder : RuleOrder;
                routes.Add(Route($"{routes.Count}:{string.Join(',', rule.Methods)}:{template}", template, rule.Methods, clusterId, order));
                // A path's other methods go to the role of its first rule, which answers 405.
                if (rule.Methods.Count > 0 && pathsSeen.Add(template))
                    routes.Add(Route($"{routes.Count}:*:{template}", template, [], clusterId, AnyMethodOrder));
            }
        }

        var clusters = usable
            .Select(rule => rule.Target)
            .DistinctBy(target => target.ClusterId(topology))
            .Select(target => Cluster(topology, target))
            .ToList();
        return new ProxyConfig(routes, clusters);
    }

    private static RouteConfig Route(string id, string template, IReadOnlyList<string> methods, string clusterId, int order) => new()
    {
        RouteId = id,
        ClusterId = clusterId,
        Order = order,
        Match = new RouteMatch { Path = template, Methods = methods.Count > 0 ? methods : null },
    };

    private static ClusterConfig Cluster(ClusterTopology topology, RouteTarget target)
    {
        var interval = topology.Router.HealthCheckInterval;
        var pinned = target is RouteTarget.Role { PinnedByUser: true };
        return new ClusterConfig
        {
            ClusterId = target.ClusterId(topology),
            Destinations = target.Instances(topology).ToDictionary(
                instance => instance.Name,
                instance => new DestinationConfig { Address = instance.ListenUri.ToString() },
                StringComparer.Ordinal),
            LoadBalancingPolicy = pinned ? UserAffinityPolicy.Name : null,
            HealthCheck = new HealthCheckConfig
            {
                // Every process answers /health on its listen address too, once it is ready.
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = interval,
                    // A refused connection fails at once; the timeout only catches a hung process,
                    // and must not eject a live one whose first answers are slow (cold start, busy machine).
                    Timeout = Clamp(interval, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)),
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = "/health",
                },
                // A refused connection takes the instance out at once, until the next probe.
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = ConnectFailurePolicy.Name,
                    ReactivationPeriod = interval,
                },
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyAndUnknown,
            },
            Metadata = new Dictionary<string, string>
            {
                [ConsecutiveFailuresHealthPolicyOptions.ThresholdMetadataName] = ProbeFailuresToEject.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            HttpRequest = pinned ? new ForwarderRequestConfig { ActivityTimeout = SyncActivityTimeout } : null,
        };
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;
}
