using System.Text.Json.Nodes;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Cluster.Router.Health;

/// <summary>
/// <c>GET /_router/health</c>: 200 when every cluster has an instance to send to, 503 otherwise;
/// the body gives each cluster's instances and their health as the router sees it.
/// </summary>
public static class RouterHealth
{
    public const string Path = "/_router/health";

    public static IResult Report(IProxyStateLookup proxy)
    {
        var clusters = new JsonObject();
        var allAvailable = true;
        foreach (var cluster in proxy.GetClusters().OrderBy(c => c.ClusterId, StringComparer.Ordinal))
        {
            var available = cluster.DestinationsState.AvailableDestinations;
            allAvailable &= available.Count > 0;
            var instances = new JsonObject();
            foreach (var destination in cluster.Destinations.Values.OrderBy(d => d.DestinationId, StringComparer.Ordinal))
                instances[destination.DestinationId] = available.Contains(destination) ? "available" : StateOf(destination);
            clusters[cluster.ClusterId] = instances;
        }
        var body = new JsonObject { ["status"] = allAvailable ? "ok" : "degraded", ["clusters"] = clusters };
        return Results.Text(body.ToJsonString(), "application/json", statusCode: allAvailable ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private static string StateOf(DestinationState destination) =>
        destination.Health.Active == DestinationHealth.Unhealthy ? "failed health check"
        : destination.Health.Passive == DestinationHealth.Unhealthy ? "refused a connection"
        : "unavailable";
}
