using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Authentication;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationReader.Authentication;

/// <summary>The server that signed an inbound federation request, and the request's JSON body (null when empty).</summary>
public sealed record FederationRequester(ServerName Origin, JsonObject? Content);

/// <summary>
/// Authenticates inbound federation requests (server-server spec, "Request Authentication"):
/// the X-Matrix header names the origin and its key, the destination (when given) must be this
/// server, and the signature over method, URI, origin, destination and body must verify with the
/// origin's key as valid now. Anything short of that is 401 M_UNAUTHORIZED. An origin that
/// authenticates is up, which ends any back-off of ours from it (<see cref="OriginsHeardFrom"/>).
/// </summary>
public static class FederationAuthentication
{
    private const string ItemKey = "Cluster.FederationRequester";

    /// <summary>Requires a verified X-Matrix signature before the handler runs.</summary>
    public static TBuilder RequireFederationAuth<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            await AuthenticateAsync(context.HttpContext);
            return await next(context);
        });

    /// <summary>The authenticated origin of the request; only inside endpoints with <see cref="RequireFederationAuth{TBuilder}"/>.</summary>
    public static FederationRequester FederationRequester(this HttpContext context) =>
        context.Items[ItemKey] as FederationRequester
        ?? throw new InvalidOperationException("The endpoint reads the federation origin without RequireFederationAuth.");

    private static async Task AuthenticateAsync(HttpContext context)
    {
        var ct = context.RequestAborted;
        var services = context.RequestServices;
        var ourName = services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServerName;

        var header = context.Request.Headers.Authorization
            .FirstOrDefault(v => v is not null && v.StartsWith(XMatrixAuthorization.Scheme, StringComparison.OrdinalIgnoreCase));
        if (!XMatrixAuthorization.TryParse(header, out var authorization, out var problem))
            throw Unauthorized(problem);
        if (authorization.Destination is { } destination && destination.ToString() != ourName)
            throw Unauthorized($"the request is for {destination}, not this server");
        if (authorization.Origin.ToString() == ourName)
            throw Unauthorized("the request claims to come from this server");

        // The body is part of what was signed; it must be a JSON object when present.
        var bytes = await RequestBody.ReadBytesAsync(context);
        JsonObject? content = bytes.Length == 0 ? null : StrictJson.ParseObject(bytes);

        var now = services.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeMilliseconds();
        var key = await services.GetRequiredService<ServerKeyRing>().GetVerifyKeyAsync(authorization.Origin, authorization.KeyId, now, ct);
        if (key is null)
            throw Unauthorized($"no valid key {authorization.KeyId} of {authorization.Origin} is known");
        var uri = context.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw
            ? raw
            : context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        if (!FederationRequestSignature.Verify(context.Request.Method, uri, authorization, content, key))
            throw Unauthorized("the X-Matrix signature does not match the request");

        context.Items[ItemKey] = new FederationRequester(authorization.Origin, content);
        await services.GetRequiredService<OriginsHeardFrom>().NoteAsync(authorization.Origin, ct);
    }

    private static MatrixException Unauthorized(string message) =>
        new(StatusCodes.Status401Unauthorized, ErrCodes.Unauthorized, message);
}
