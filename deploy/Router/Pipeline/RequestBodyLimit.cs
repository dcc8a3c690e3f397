using Cluster.Shared.Http;

namespace Cluster.Router.Pipeline;

/// <summary>
/// Refuses a body whose declared length is over the limit before any instance sees it. Kestrel
/// enforces the same limit on bodies without a length (chunked) as they are read; the proxy's
/// error then becomes the same 413 (<see cref="ProxyErrors"/>).
/// </summary>
public sealed class RequestBodyLimit(RequestDelegate next, long maxBytes)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength <= maxBytes || context.Request.ContentLength is null)
            return next(context);
        CloseAfterAnswer(context);
        return MatrixErrorMiddleware.WriteAsync(context, MatrixException.TooLarge());
    }

    /// <summary>
    /// The body is left unread, so the connection cannot carry another request: saying so keeps a
    /// client from sending its next request on a connection the server is about to close.
    /// </summary>
    public static void CloseAfterAnswer(HttpContext context) => context.Response.OnStarting(() =>
    {
        context.Response.Headers.Connection = "close";
        return Task.CompletedTask;
    });
}
