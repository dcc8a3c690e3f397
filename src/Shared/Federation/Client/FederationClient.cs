using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Authentication;
using Cluster.Shared.Federation.Discovery;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;
using Cluster.Shared.Signing;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Federation.Client;

/// <summary>A response from another server: its status and its JSON body (null when empty).</summary>
public sealed record FederationResponse(int Status, JsonNode? Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// Requests to other servers: discovery, X-Matrix signing, bounded time and size, JSON bodies
/// read with the strict parser. Everything that talks to another server goes through here.
/// </summary>
public sealed class FederationClient(
    FederationHttp http, ServerResolver resolver, ServerSigningKeyProvider signingKeys,
    IOptions<ClusterOptions> cluster, IOptions<FederationOptions> options)
{
    /// <summary>A signed request (every federation endpoint but the key ones needs one).</summary>
    public async Task<FederationResponse> SendAsync(
        ServerName destination, HttpMethod method, string pathAndQuery, JsonObject? body, CancellationToken cancellationToken)
    {
        var key = await signingKeys.GetAsync(cancellationToken);
        var origin = ServerName.Parse(cluster.Value.ServerName);
        var authorization = FederationRequestSignature.Sign(method.Method, pathAndQuery, origin, destination, body, key);
        return await SendAsync(destination, method, pathAndQuery, body, authorization, options.Value.MaxResponseBytes,
            options.Value.RequestTimeout, cancellationToken);
    }

    /// <summary>An unsigned GET with its own size and time bounds (the key endpoints).</summary>
    public Task<FederationResponse> GetUnsignedAsync(
        ServerName destination, string pathAndQuery, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken) =>
        SendAsync(destination, HttpMethod.Get, pathAndQuery, null, null, maxBytes, timeout, cancellationToken);

    private async Task<FederationResponse> SendAsync(
        ServerName destination, HttpMethod method, string pathAndQuery, JsonObject? body, XMatrixAuthorization? authorization,
        int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        ResolvedServer target;
        try
        {
            target = await resolver.ResolveAsync(destination, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FederationRequestException(destination.ToString(), "server discovery took too long");
        }
        using var request = new HttpRequestMessage(method, new Uri(target.BaseUri(resolver.Scheme), pathAndQuery));
        request.Headers.Host = target.HostHeader;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (authorization is not null)
            request.Headers.TryAddWithoutValidation("Authorization", authorization.Format());
        if (body is not null)
            request.Content = new ByteArrayContent(CanonicalJson.Encode(body))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
            };
        var (status, bytes, _) = await http.SendAsync(destination.ToString(), request, maxBytes, timeout, cancellationToken);
        if (bytes.Length == 0)
            return new FederationResponse(status, null);
        try
        {
            return new FederationResponse(status, StrictJson.Parse(bytes));
        }
        catch (InvalidJsonException e)
        {
            throw new FederationRequestException(destination.ToString(), $"the response is not JSON ({e.Message})");
        }
    }
}
