using Cluster.Shared.Federation;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Federation.Discovery;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cluster.Shared.Tests.Federation;

/// <summary>The discovery steps that need no network: IP literals and explicit ports are used as they are.</summary>
public class ServerResolverTests
{
    private static ServerResolver Resolver(bool plainHttp = false)
    {
        var options = Options.Create(new FederationOptions { AllowPlainHttp = plainHttp });
        return new ServerResolver(new FederationHttp(options, NullLogger<FederationHttp>.Instance), options,
            NullLogger<ServerResolver>.Instance, TimeProvider.System);
    }

    private static Task<ResolvedServer> Resolve(string name) => Resolver().ResolveAsync(ServerName.Parse(name), CancellationToken.None);

    [Test]
    public async Task Ip_literal_without_port_uses_8448_and_itself_as_host() =>
        Assert.That(await Resolve("192.0.2.1"), Is.EqualTo(new ResolvedServer("192.0.2.1", 8448, "192.0.2.1")));

    [Test]
    public async Task Ip_literal_with_port_uses_that_port() =>
        Assert.That(await Resolve("192.0.2.1:8000"), Is.EqualTo(new ResolvedServer("192.0.2.1", 8000, "192.0.2.1:8000")));

    [Test]
    public async Task Ipv6_literal_keeps_its_brackets() =>
        Assert.That((await Resolve("[2001:db8::1]:9000")).BaseUri("https").ToString(), Is.EqualTo("https://[2001:db8::1]:9000/"));

    [Test]
    public async Task Hostname_with_explicit_port_skips_well_known_and_srv() =>
        Assert.That(await Resolve("matrix.example:8443"), Is.EqualTo(new ResolvedServer("matrix.example", 8443, "matrix.example:8443")));

    [Test]
    public void Scheme_is_https_unless_plain_http_is_allowed() =>
        Assert.That((Resolver().Scheme, Resolver(plainHttp: true).Scheme), Is.EqualTo(("https", "http")));
}
