using Cluster.Shared.Http;

namespace Cluster.Router.Pipeline;

/// <summary>
/// Refuses a body whose declared length is over the limit before any instance sees it. Kestrel
/// enforces the same limit on bodies without a length (chunked) as they are read; the proxy's
/// error then becomes the same 413 (<see cref="ProxyErrors"/>).
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, long maxBytes)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Request.ContentLength > maxBytes
            ? MatrixErrorMiddleware.WriteAsync(context, MatrixException.TooLarge())
            : next(context);
}
