using Cluster.Router.Health;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Cluster.Router.Pipeline;

/// <summary>
/// When the chosen instance refuses the connection (killed, restarting), the request goes to
/// another available instance of the same cluster instead of failing: nothing of it reached the
/// first one, so this is safe for every method. Runs before load balancing, which picks again
/// among the instances not tried yet (for /sync: the user's next reader on the ring).
/// </summary>
public sealed class ConnectRetry(RequestDelegate next, ILogger<ConnectRetry> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        List<DestinationState>? tried = null;
        while (true)
        {
            await next(context);
            if (!ConnectFailures.Failed(context) || context.Response.HasStarted || proxy.ProxiedDestination is not { } failed)
                return;
            (tried ??= []).Add(failed);
            var remaining = candidates.Where(d => !tried.Contains(d) && IsAvailable(d)).ToList();
            if (remaining.Count == 0)
                return;
            logger.LogInformation("Instance {Instance} of {Cluster} refused {Method} {Path}; trying another",
                failed.DestinationId, proxy.Cluster.Config.ClusterId, context.Request.Method, context.Request.Path);
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.ProxiedDestination = null;
            proxy.AvailableDestinations = remaining;
        }
    }

    private static bool IsAvailable(DestinationState destination) =>
        destination.Health.Active != DestinationHealth.Unhealthy && destination.Health.Passive != DestinationHealth.Unhealthy;
}
