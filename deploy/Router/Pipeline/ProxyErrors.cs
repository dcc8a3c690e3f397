using Cluster.Shared.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Cluster.Router.Pipeline;

/// <summary>
/// Gives the router's own failures the spec's error body instead of YARP's empty one: no
/// instance available (503), an instance that failed or timed out (502, 504), a body over the
/// limit (413 M_TOO_LARGE), a client that broke off its body (400).
/// </summary>
public sealed class ProxyErrors(RequestDelegate next, ILogger<ProxyErrors> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.Features.Get<IForwarderErrorFeature>() is not { } failure || context.Response.HasStarted
            || context.RequestAborted.IsCancellationRequested)
            return;
        var cluster = context.GetReverseProxyFeature().Cluster.Config.ClusterId;
        var (errcode, message) = failure.Error switch
        {
            ForwarderError.NoAvailableDestinations => (ErrCodes.Unknown, "The server is temporarily unable to handle this request; try again later."),
            _ when context.Response.StatusCode == StatusCodes.Status413PayloadTooLarge => (ErrCodes.TooLarge, "Request body too large"),
            ForwarderError.RequestBodyClient => (ErrCodes.Unknown, "The request body could not be read."),
            ForwarderError.RequestTimedOut => (ErrCodes.Unknown, "The server took too long to answer."),
            _ => (ErrCodes.Unknown, "The server failed to answer this request; try again later."),
        };
        if (failure.Error == ForwarderError.NoAvailableDestinations)
            logger.LogWarning("No instance of {Cluster} is available for {Method} {Path}", cluster, context.Request.Method, context.Request.Path);
        await MatrixErrorMiddleware.WriteAsync(context, context.Response.StatusCode, errcode, message, null);
    }
}
