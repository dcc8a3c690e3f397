using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Workers.Host.Internal;

/// <summary>
/// Calls another instance's internal endpoints with the cluster secret, over one pooled set of
/// connections per process. Trace context travels in the request headers, so one trace follows
/// a request across processes.
/// </summary>
public sealed class InternalClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly string _secret;

    public InternalClient(ClusterContext cluster)
    {
        _secret = cluster.Topology?.ClusterSecret
            ?? throw new InvalidOperationException("Internal calls exist only in a worker cluster.");
        _http = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(5),
        })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>Sends <paramref name="body"/> as JSON to <c>/_internal/{path}</c> on <paramref name="target"/>; the caller reads the response.</summary>
    public async Task<HttpResponseMessage> SendAsync(
        TopologyInstance target, HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(target.InternalUri, InternalApi.Prefix.TrimStart('/') + "/" + path.TrimStart('/')));
        request.Headers.Add(InternalApi.SecretHeader, _secret);
        if (body is not null)
            request.Content = JsonContent.Create(body, options: JsonOptions);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private static readonly JsonSerializerOptions JsonOptions = new();
}
