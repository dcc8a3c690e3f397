using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cluster.Shared.Federation;
using Cluster.Shared.Federation.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// Outbound TLS: a server whose certificate comes from a private CA is trusted only when that CA
/// is in the extra CA file, and never under a name its certificate does not carry.
/// </summary>
public class FederationTlsTests
{
    private string _caFile = null!;
    private WebApplication _server = null!;
    private int _port;

    [OneTimeSetUp]
    public async Task StartHttpsServer()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Cluster test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _caFile = Path.Combine(Path.GetTempPath(), $"cluster-test-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(_caFile, ca.ExportCertificatePem());

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leafPublic = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        using var leafWithKey = leafPublic.CopyWithPrivateKey(leafKey);
        // Kestrel on Linux wants a certificate whose key it can export into its TLS context.
        var leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pkcs12), null);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(leaf)));
        _server = builder.Build();
        _server.Run(context => context.Response.WriteAsync("{}"));
        await _server.StartAsync();
        _port = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_server is not null)
        {
            await _server.StopAsync();
            await _server.DisposeAsync();
        }
        if (_caFile is not null) File.Delete(_caFile);
    }

    private async Task<int> GetAsync(string? caFile, string host)
    {
        using var http = new FederationHttp(Options.Create(new FederationOptions { ExtraCaFile = caFile }), NullLogger<FederationHttp>.Instance);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{_port}/");
        request.Headers.Host = $"{host}:{_port}";
        var (status, _, _) = await http.SendAsync(host, request, 1024, TimeSpan.FromSeconds(10), CancellationToken.None);
        return status;
    }

    [Test]
    public async Task Certificate_from_the_extra_ca_is_trusted() =>
        Assert.That(await GetAsync(_caFile, "localhost"), Is.EqualTo(200));

    [Test]
    public void Certificate_from_an_unknown_ca_is_refused() =>
        Assert.ThrowsAsync<FederationRequestException>(() => GetAsync(null, "localhost"));

    [Test]
    public void Certificate_for_another_name_is_refused_even_from_the_extra_ca() =>
        Assert.ThrowsAsync<FederationRequestException>(() => GetAsync(_caFile, "other.localhost"));
}
