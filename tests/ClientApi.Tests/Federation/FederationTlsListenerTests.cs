using Cluster.ClientApi.Tests.Fixtures;
using Cluster.Shared.Federation;
using Cluster.Shared.Federation.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Inbound TLS: with <c>Cluster:Federation:Tls</c> set, the server answers other servers over
/// HTTPS with the operator's certificate (checked here as another server checks it), and still
/// answers on its plain address.
/// </summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public class FederationTlsListenerTests
{
    private TestCertificates _certificates = null!;
    private Homeserver _server = null!;
    private int _tlsPort;

    [OneTimeSetUp]
    public async Task StartServer()
    {
        _certificates = new TestCertificates();
        _tlsPort = FederatedServers.FreePort();
        _server = await FederatedServers.StartAsync(new Dictionary<string, string>
        {
            ["Cluster:Federation:Tls:Listen"] = $"127.0.0.1:{_tlsPort}",
            ["Cluster:Federation:Tls:CertificatePath"] = _certificates.CertificateFile,
            ["Cluster:Federation:Tls:KeyPath"] = _certificates.KeyFile,
        });
    }

    [OneTimeTearDown]
    public async Task StopServer()
    {
        if (_server is not null) await _server.DisposeAsync();
        _certificates?.Dispose();
    }

    private async Task<(int Status, string Body)> GetOverTlsAsync(string? caFile, string path)
    {
        using var http = new FederationHttp(Options.Create(new FederationOptions { ExtraCaFile = caFile }), NullLogger<FederationHttp>.Instance);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{_tlsPort}{path}");
        request.Headers.Host = $"localhost:{_tlsPort}";
        var (status, body, _) = await http.SendAsync("localhost", request, 64 * 1024, TimeSpan.FromSeconds(10), CancellationToken.None);
        return (status, System.Text.Encoding.UTF8.GetString(body));
    }

    [Test]
    public async Task Other_servers_reach_the_server_keys_over_tls_with_the_operators_certificate()
    {
        var (status, body) = await GetOverTlsAsync(_certificates.CaFile, "/_matrix/key/v2/server");
        Assert.That(status, Is.EqualTo(200), body);
        Assert.That(body, Does.Contain($"\"server_name\":\"{_server.ServerName}\""));
    }

    [Test]
    public void A_server_that_does_not_trust_the_certificates_issuer_refuses_the_connection() =>
        Assert.ThrowsAsync<FederationRequestException>(() => GetOverTlsAsync(null, "/_matrix/federation/v1/version"));

    [Test]
    public async Task The_plain_address_still_answers_beside_the_tls_listener()
    {
        using var client = _server.NewClient();
        Assert.That((await client.GetAsync("/_matrix/federation/v1/version")).Status, Is.EqualTo(System.Net.HttpStatusCode.OK));
    }
}
