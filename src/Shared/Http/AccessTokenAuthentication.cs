using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;

namespace Cluster.Shared.Http;

/// <summary>
/// The client API's authentication: the token from <c>Authorization: Bearer</c> or, for older
/// clients, the <c>access_token</c> query parameter. Missing gives 401 M_MISSING_TOKEN, unknown
/// 401 M_UNKNOWN_TOKEN.
/// </summary>
public static class AccessTokenAuthentication
{
    public static TBuilder RequireAccessToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            await AuthenticateAsync(context.HttpContext, required: true);
            return await next(context);
        });

    public static string? ReadToken(HttpRequest request)
    {
        if (request.Headers.Authorization is { Count: > 0 } header)
        {
            var value = header.ToString();
            const string prefix = "Bearer ";
            return value.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) ? value[prefix.Length..].Trim() : null;
        }
        return request.Query.TryGetValue("access_token", out StringValues query) && query.Count == 1 ? query[0] : null;
    }

    private static async Task AuthenticateAsync(HttpContext context, bool required)
    {
        var token = ReadToken(context.Request);
        if (string.IsNullOrEmpty(token))
        {
            if (required)
                throw MatrixException.MissingToken();
            return;
        }
        var validator = context.RequestServices.GetRequiredService<IAccessTokenValidator>();
        var requester = await validator.ValidateAsync(token, context.RequestAborted)
            ?? throw MatrixException.UnknownToken();
        context.SetRequester(requester);
    }
}
