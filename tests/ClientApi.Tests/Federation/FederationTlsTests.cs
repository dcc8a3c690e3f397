using System.Net;
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
    private TestCertificates _certificates = null!;
    private WebApplication _server = null!;
    private int _port;

    [OneTimeSetUp]
    public async Task StartHttpsServer()
    {
        _certificates = new TestCertificates();
        var leaf = _certificates.Leaf;
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
        _certificates?.Dispose();
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
        Assert.That(await GetAsync(_certificates.CaFile, "localhost"), Is.EqualTo(200));

    [Test]
    public void Certificate_from_an_unknown_ca_is_refused() =>
        Assert.ThrowsAsync<FederationRequestException>(() => GetAsync(null, "localhost"));

    [Test]
    public void Certificate_for_another_name_is_refused_even_from_the_extra_ca() =>
        Assert.ThrowsAsync<FederationRequestException>(() => GetAsync(_certificates.CaFile, "other.localhost"));
}
