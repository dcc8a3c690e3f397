using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Receipts;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.AccountData;
using Cluster.Workers.StreamWriters.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>
/// Receipts and read markers, and on the receipts stream's writer its writes (internal
/// endpoint). The read marker itself is room account data, written by that stream's writer.
/// Client readers host it too; their writes go to the writers.
/// </summary>
public sealed class ReceiptsModule : IRoleModule
{
    public string Name => Roles.StreamWriter;

    public IReadOnlyCollection<string> AlsoHostedBy => [Roles.ClientReader];

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddReceiptsStream();
        services.AddAccountDataStream();
        services.AddStreamWriterCommon();
        services.AddStreamWrites<IReceiptWriter, ReceiptWriter>(ReceiptsStream.StreamName, remote => new RemoteReceiptWriter(remote));
        services.AddAccountDataWrites();
        services.TryAddSingleton<ReadMarkers>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        ReceiptEndpoints.Map(endpoints);
        ReceiptsInternalEndpoints.Map(endpoints);
    }
}
