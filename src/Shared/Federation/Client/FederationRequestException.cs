namespace Cluster.Shared.Federation.Client;

/// <summary>A request to another server failed: unreachable, too slow, too large or not JSON.</summary>
public sealed class FederationRequestException(string destination, string message, Exception? inner = null)
    : Exception($"{destination}: {message}", inner)
{
    public string Destination { get; } = destination;
}
