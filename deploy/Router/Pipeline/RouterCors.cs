namespace Cluster.Router.Pipeline;

/// <summary>
/// CORS on the answers the router writes itself (errors): the instances add it to theirs, and a
/// web client can read an error only with it.
/// </summary>
public static class RouterCors
{
    public static IApplicationBuilder UseCorsOnRouterAnswers(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            if (!headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.AccessControlAllowOrigin))
            {
                headers.AccessControlAllowOrigin = "*";
                headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE, OPTIONS";
                headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization, Date";
            }
            return Task.CompletedTask;
        });
        return next(context);
    });
}
