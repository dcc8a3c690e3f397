using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A private CA and a server certificate it issued for <c>localhost</c>, as PEM files in a
/// temporary folder (the CA for the extra CA file, the certificate and key for a TLS listener),
/// and the certificate with its key for a Kestrel started in a test.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly string _folder = System.IO.Directory.CreateTempSubdirectory("cluster-test-tls-").FullName;

    public TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Cluster test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(CaFile, ca.ExportCertificatePem());

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafRequest = new CertificateRequest("CN=localhost", leafKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        leafRequest.CertificateExtensions.Add(names.Build());
        leafRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leafPublic = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        using var leafWithKey = leafPublic.CopyWithPrivateKey(leafKey);
        File.WriteAllText(CertificateFile, leafPublic.ExportCertificatePem() + "\n" + ca.ExportCertificatePem());
        File.WriteAllText(KeyFile, leafKey.ExportPkcs8PrivateKeyPem());
        // Kestrel on Linux wants a certificate whose key it can export into its TLS context.
        Leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pkcs12), null);
    }

    public string CaFile => Path.Combine(_folder, "ca.pem");

    /// <summary>The server's certificate, then the CA's (as a chain file lists its intermediates).</summary>
    public string CertificateFile => Path.Combine(_folder, "server.pem");

    public string KeyFile => Path.Combine(_folder, "server.key");

    public X509Certificate2 Leaf { get; }

    public void Dispose()
    {
        Leaf.Dispose();
        System.IO.Directory.Delete(_folder, recursive: true);
    }
}
