namespace Cluster.Load;

/// <summary>The HttpClient every mode drives a server's Client-Server API with: many connections (one per long-poll), long timeouts.</summary>
internal static class LoadHttp
{
    public static HttpClient Create(Uri baseUrl) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = 1000, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromSeconds(90),
        };
}
