using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Shared.Http.RateLimiting;

public static class RateLimitingEndpoints
{
    /// <summary>The limiter and its <c>Cluster:RateLimits</c> settings; safe to call from several modules.</summary>
    public static IServiceCollection AddMatrixRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        if (services.Any(s => s.ServiceType == typeof(TokenBucketRateLimiter)))
            return services;
        services.AddSingleton<TokenBucketRateLimiter>();
        services.AddOptions<RateLimitOptions>().Configure(options =>
        {
            var section = configuration.GetSection(RateLimitOptions.Section);
            if (section.GetValue<int?>(nameof(RateLimitOptions.MaxBuckets)) is { } max)
                options.MaxBuckets = max;
            foreach (var child in section.GetChildren().Where(c => c.Key != nameof(RateLimitOptions.MaxBuckets)))
                options.Actions[child.Key] = child.Get<RateLimitRule>() ?? new RateLimitRule();
        }).Validate(options => options.MaxBuckets > 0 && options.Actions.Values.All(r => r.PerSecond is null or >= 0 && r.Burst is null or >= 1),
            "Cluster:RateLimits: MaxBuckets must be positive, PerSecond at least 0 and Burst at least 1.").ValidateOnStart();
        return services;
    }

    /// <summary>
    /// Limits the endpoint per user when the request is authenticated (add this after
    /// <c>RequireAccessToken()</c>), per client address otherwise: 429 M_LIMIT_EXCEEDED with
    /// <c>retry_after_ms</c> when the bucket is empty.
    /// </summary>
    public static TBuilder RateLimited<TBuilder>(this TBuilder builder, RateLimitAction action) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = http.RequesterOrNull() is { } requester ? "user:" + requester.User : "ip:" + AddressKey(http.Connection.RemoteIpAddress);
            Acquire(http, action, key);
            return await next(context);
        });

    /// <summary>Takes a token for <paramref name="key"/> (for limits keyed by something only the handler knows), else throws 429.</summary>
    public static void Acquire(HttpContext context, RateLimitAction action, string key)
    {
        var limiter = context.RequestServices.GetRequiredService<TokenBucketRateLimiter>();
        if (!limiter.TryAcquire(action, key, out var retryAfter))
            throw MatrixException.LimitExceeded(retryAfter);
    }

    /// <summary>IPv6 clients usually own a whole /64, so that is the unit limited.</summary>
    public static string AddressKey(IPAddress? address)
    {
        if (address is null)
            return "unknown";
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
