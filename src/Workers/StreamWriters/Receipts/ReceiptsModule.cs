using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Receipts;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.AccountData;
using Cluster.Workers.StreamWriters.Common;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.Receipts;

/// <summary>The receipts stream's writer: receipts and read markers (the marker itself is room account data).</summary>
public sealed class ReceiptsModule : IRoleModule
{
    public string Name => "stream_writer";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddReceiptsStream();
        services.AddAccountDataStream();
        services.AddStreamWriterCommon();
        services.TryAddSingleton<ReceiptWriter>();
        services.TryAddSingleton<AccountDataWriter>();
        services.TryAddSingleton<ReadMarkers>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => ReceiptEndpoints.Map(endpoints);
}
