using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Cluster.Router.Health;

/// <summary>
/// Whether forwarding failed because the destination could not be connected to: the process is
/// gone (refused) or unreachable. Nothing of the request reached it, so trying another instance is
/// safe for any method, and the instance is certainly not serving.
/// </summary>
public static class ConnectFailures
{
    public static bool Failed(HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request, Exception: { } exception }
        && IsConnectFailure(exception);

    private static bool IsConnectFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } or SocketException)
                return true;
        return false;
    }
}
