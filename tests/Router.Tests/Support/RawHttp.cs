using System.Net.Sockets;
using System.Text;

namespace Cluster.Router.Tests.Support;

/// <summary>Sends a request target exactly as given (no client-side normalisation of dot segments or escapes).</summary>
internal static class RawHttp
{
    /// <summary>The status code of the answer to <c>GET {target}</c>.</summary>
    public static async Task<int> GetStatusAsync(Uri router, string target)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(router.Host, router.Port);
        await using var stream = client.GetStream();
        var request = $"GET {target} HTTP/1.1\r\nHost: {router.Authority}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        return int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
