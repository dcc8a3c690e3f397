using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Cluster.Router.Health;

/// <summary>
/// Passive health: a destination that refuses a connection leaves rotation at once, for one
/// health check interval (the cluster's reactivation period); the active probe decides after that.
/// Other failures (a slow or failing request) say nothing about the instance and are left to the
/// active probe.
/// </summary>
public sealed class ConnectFailurePolicy(IDestinationHealthUpdater healthUpdater, ILogger<ConnectFailurePolicy> logger) : IPassiveHealthCheckPolicy
{
    public const string Name = "ConnectFailure";

    string IPassiveHealthCheckPolicy.Name => Name;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        if (!ConnectFailures.Failed(context))
            return;
        var reactivation = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? TimeSpan.FromSeconds(2);
        if (destination.Health.Passive != DestinationHealth.Unhealthy)
            logger.LogWarning("Instance {Instance} of {Cluster} refused a connection; out of rotation for {Period}",
                destination.DestinationId, cluster.ClusterId, reactivation);
        healthUpdater.SetPassive(cluster, destination, DestinationHealth.Unhealthy, reactivation);
    }
}
