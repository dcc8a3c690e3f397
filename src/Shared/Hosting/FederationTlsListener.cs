using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cluster.Shared.Hosting;

/// <summary>
/// The HTTPS listener other homeservers reach (port 8448 by convention), serving the operator's
/// certificate: <c>Cluster:Federation:Tls:Listen</c> (an IP and port, such as <c>0.0.0.0:8448</c>),
/// <c>:CertificatePath</c> (PEM, the server's certificate first, then any intermediates) and
/// <c>:KeyPath</c> (PEM). Set on the process other servers reach: the single process, or the
/// router of a worker cluster. The certificate is read at start; a renewed one needs a restart.
/// </summary>
public static class FederationTlsListener
{
    public const string Section = "Cluster:Federation:Tls";

    public static void AddFederationTlsListener(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(Section);
        if (section["Listen"] is not { Length: > 0 } listen)
            return;
        if (!IPEndPoint.TryParse(listen, out var endpoint) || endpoint.Port == 0)
            throw new ArgumentException($"{Section}:Listen must be an IP address and port, such as 0.0.0.0:8448; got '{listen}'.");
        var (certificate, chain) = Load(
            section["CertificatePath"] is { Length: > 0 } c ? c : throw new ArgumentException($"{Section}:CertificatePath is required with {Section}:Listen."),
            section["KeyPath"] is { Length: > 0 } k ? k : throw new ArgumentException($"{Section}:KeyPath is required with {Section}:Listen."));

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Kestrel ignores the plain URLs once an endpoint is set in code, so they are set here too.
            foreach (var url in (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
                ListenPlain(kestrel, url);
            kestrel.Listen(endpoint, options => options.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                https.ServerCertificateChain = chain;
            }));
        });
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) Load(string certificatePath, string keyPath)
    {
        foreach (var path in new[] { certificatePath, keyPath })
            if (!File.Exists(path))
                throw new FileNotFoundException($"{Section}: no such file {path}.", path);
        using var fromPem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // Kestrel's TLS on Linux wants a key it can export into its own context, which a key read
        // from PEM is not: a PKCS#12 round trip in memory gives it one.
        var certificate = X509CertificateLoader.LoadPkcs12(fromPem.Export(X509ContentType.Pkcs12), null);
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificatePath);
        var intermediates = new X509Certificate2Collection();
        foreach (var other in chain)
            if (other.Thumbprint != certificate.Thumbprint)
                intermediates.Add(other);
        return (certificate, intermediates);
    }

    private static void ListenPlain(KestrelServerOptions kestrel, string url)
    {
        var uri = new Uri(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"));
        if (uri.Scheme != Uri.UriSchemeHttp)
            throw new ArgumentException($"Only http:// URLs can be served beside {Section}:Listen; got '{url}'.");
        if (uri.IsLoopback && uri.Host == "localhost")
            kestrel.ListenLocalhost(uri.Port);
        else
            kestrel.Listen(IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port);
    }
}
