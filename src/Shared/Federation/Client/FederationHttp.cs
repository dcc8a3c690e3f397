using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Federation.Client;

/// <summary>
/// The process's one connection pool to other servers (one <see cref="SocketsHttpHandler"/>),
/// with bounded time and size for every response. TLS is checked against the system's CAs plus
/// the optional extra CA file; redirects are not followed (federation endpoints never redirect).
/// </summary>
public sealed class FederationHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly X509Certificate2Collection _extraRoots;

    public FederationHttp(IOptions<FederationOptions> options, ILogger<FederationHttp> logger)
    {
        _extraRoots = LoadExtraRoots(options.Value.ExtraCaFile);
        if (_extraRoots.Count > 0)
            logger.LogInformation("Federation TLS trusts {Count} extra CA certificates from {File}", _extraRoots.Count, options.Value.ExtraCaFile);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            MaxConnectionsPerServer = 16,
            MaxResponseHeadersLength = 64,
            UseCookies = false,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
        };
        // Each call bounds its own time with a token; the client's timeout would only race it.
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Sends the request and reads the whole body, at most <paramref name="maxBytes"/> of it, all
    /// within <paramref name="timeout"/>. Failures of any kind are <see cref="FederationRequestException"/>.
    /// </summary>
    public async Task<(int Status, byte[] Body, TimeSpan? MaxAge)> SendAsync(
        string destination, HttpRequestMessage request, int maxBytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (response.Content.Headers.ContentLength > maxBytes)
                throw new FederationRequestException(destination, $"the response is larger than {maxBytes} bytes");
            await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
            var body = await ReadBoundedAsync(destination, stream, maxBytes, deadline.Token);
            return ((int)response.StatusCode, body, response.Headers.CacheControl?.MaxAge);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FederationRequestException(destination, $"no complete answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new FederationRequestException(destination, e.Message, e);
        }
        catch (IOException e)
        {
            throw new FederationRequestException(destination, e.Message, e);
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(string destination, Stream stream, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            var read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0) return buffer.ToArray();
            if (buffer.Length + read > maxBytes)
                throw new FederationRequestException(destination, $"the response is larger than {maxBytes} bytes");
            buffer.Write(chunk, 0, read);
        }
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        // Only an untrusted root may be forgiven, and only by the operator's extra CAs.
        if (_extraRoots.Count == 0 || certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(_extraRoots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(new X509Certificate2(certificate));
    }

    private static X509Certificate2Collection LoadExtraRoots(string? file)
    {
        var roots = new X509Certificate2Collection();
        if (file is { Length: > 0 })
            roots.ImportFromPemFile(file);
        return roots;
    }

    public void Dispose() => _client.Dispose();
}
