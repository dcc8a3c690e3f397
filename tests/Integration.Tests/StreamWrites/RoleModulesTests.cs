using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.AccountData;
using Cluster.Workers.StreamWriters.PushRules;
using Cluster.Workers.StreamWriters.Receipts;
using Cluster.Workers.StreamWriters.ToDevice;
using Cluster.Workers.StreamWriters.Typing;

namespace Cluster.Integration.Tests.StreamWrites;

/// <summary>Which processes host the stream writers' endpoints.</summary>
public class RoleModulesTests
{
    private static readonly Type[] StreamWriterModules =
        [typeof(TypingModule), typeof(ReceiptsModule), typeof(AccountDataModule), typeof(ToDeviceModule), typeof(PushRulesModule)];

    [Test]
    public void A_client_reader_hosts_every_stream_writer_module() =>
        Assert.That(RoleRegistry.ModulesFor(["client_reader"]).Select(m => m.GetType()), Is.SupersetOf(StreamWriterModules));

    [Test]
    public void A_process_that_is_client_reader_and_stream_writer_hosts_each_module_once()
    {
        var modules = RoleRegistry.ModulesFor(["client_reader", "stream_writer"]).Select(m => m.GetType()).ToList();

        Assert.That(modules, Is.Unique);
        Assert.That(modules, Is.SupersetOf(StreamWriterModules));
    }

    [Test]
    public void A_sync_reader_hosts_no_stream_writer_module() =>
        Assert.That(RoleRegistry.ModulesFor(["sync_reader"]).Select(m => m.GetType()), Has.None.AnyOf(StreamWriterModules));
}
