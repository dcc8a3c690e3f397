using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.Events;
using Cluster.Replication.Streams.PushRules;
using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.ToDevice;
using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.ClientReader.Filters;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.SyncReader;

/// <summary>The sync reader: <c>GET /sync</c>, following every stream a client's token covers.</summary>
public sealed class SyncModule : IRoleModule
{
    public string Name => "sync_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddRoomStores();
        services.AddEventsStream();
        services.AddTypingStream();
        services.AddReceiptsStream();
        services.AddAccountDataStream();
        services.AddToDeviceStream();
        services.AddPushRulesStream();
        services.TryAddSingleton<FilterStore>();
        services.TryAddSingleton<FilterResolver>();
        services.AddSingleton<SyncRoomActivity>();
        services.AddSingleton<StrippedStateBuilder>();
        services.AddSingleton<RecentRoomEvents>();
        services.AddSingleton<SyncUserRooms>();
        services.AddSingleton<UnreadCounter>();
        services.AddSingleton<JoinedRoomBuilder>();
        services.AddSingleton<SyncResponseBuilder>();
        services.AddSingleton<SyncTokenCatchUp>();
        services.AddSingleton<LocalEventWrites>();
        services.AddSingleton<SyncWakeups>();
        services.AddHostedService(provider => provider.GetRequiredService<SyncWakeups>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => SyncEndpoint.Map(endpoints);
}
