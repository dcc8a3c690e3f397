using Cluster.Shared.Storage;
using Npgsql;

namespace Cluster.Shared.Tests.Storage;

/// <summary>What the server adds to the operator's PostgreSQL connection string, and what it leaves alone.</summary>
public class ClusterConnectionDefaultsTests
{
    private static NpgsqlConnectionStringBuilder Effective(string connectionString, int? poolSize = null) =>
        new(StorageServices.WithClusterDefaults(connectionString, poolSize));

    [Test]
    public void Unset_options_take_the_servers_defaults()
    {
        var settings = Effective("Host=db;Username=matrix", poolSize: 16);

        Assert.That(settings.MaxPoolSize, Is.EqualTo(16));
        Assert.That(settings.MaxAutoPrepare, Is.EqualTo(StorageServices.AutoPreparedStatements));
        Assert.That(settings.NoResetOnClose, Is.True);
        Assert.That(settings.Enlist, Is.False);
        Assert.That(settings.GssEncryptionMode, Is.EqualTo(GssEncryptionMode.Disable));
    }

    [Test]
    public void Options_the_operator_sets_are_kept()
    {
        var settings = Effective(
            "Host=db;Maximum Pool Size=40;Max Auto Prepare=0;No Reset On Close=false;Enlist=true;GSS Encryption Mode=Require",
            poolSize: 16);

        Assert.That(settings.MaxPoolSize, Is.EqualTo(40));
        Assert.That(settings.MaxAutoPrepare, Is.Zero);
        Assert.That(settings.NoResetOnClose, Is.False);
        Assert.That(settings.Enlist, Is.True);
        Assert.That(settings.GssEncryptionMode, Is.EqualTo(GssEncryptionMode.Require));
    }

    [Test]
    public void Without_a_pool_size_to_impose_npgsqls_own_stays()
    {
        Assert.That(Effective("Host=db").MaxPoolSize, Is.EqualTo(new NpgsqlConnectionStringBuilder().MaxPoolSize));
    }
}
