namespace Cluster.Shared.Federation.Discovery;

/// <summary>
/// Where to send a server's federation requests: the address to connect to and the Host header
/// (which is also the name its TLS certificate must carry) the spec's discovery steps give.
/// </summary>
public sealed record ResolvedServer(string ConnectHost, int Port, string HostHeader)
{
    public Uri BaseUri(string scheme) => new($"{scheme}://{ConnectHost}:{Port}");
}
