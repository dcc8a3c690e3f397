using Cluster.Shared.Http;
using Microsoft.AspNetCore.Builder;

namespace Cluster.Workers.Host;

/// <summary>What every process serving the client API sets up around its role modules.</summary>
public static class ClientApiHosting
{
    /// <summary>Default body limit: the spec's 65,536-byte event limit plus room for the request's own fields.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    public static void AddClientApiPlumbing(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            // Matrix field names are snake_case already; the web default would camelCase them.
            options.SerializerOptions.PropertyNamingPolicy = null;
            options.SerializerOptions.DictionaryKeyPolicy = null;
            options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull;
        });
        var maxBody = builder.Configuration.GetValue<long?>("Cluster:MaxRequestBodyBytes") ?? DefaultMaxRequestBodyBytes;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
    }

    /// <summary>Error translation and CORS (web clients call from any origin, as the spec asks).</summary>
    public static void UseClientApiPlumbing(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.AccessControlAllowOrigin = "*";
            headers.AccessControlAllowMethods = "GET, POST, PUT, DELETE, OPTIONS";
            headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization, Date";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next(context);
        });
        app.UseMiddleware<MatrixErrorMiddleware>();
    }
}
