using Cluster.Replication.Streams.Receipts;
using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Federation;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationSender.Edus;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// The federation sender role: sends the events that originate on this server to the other
/// servers in their rooms (<c>PUT /_matrix/federation/v1/send/{txnId}</c>), each destination through
/// its own persisted outbox, in order, backing off while it fails (until it fails no more, or talks
/// to us: <see cref="HeardFromWatch"/>); with them, its users' typing
/// and read receipts (EDUs, kept in memory only), and to-device messages (EDUs kept in the outbox
/// until delivered, <see cref="Edus.DurableEduWatcher"/>). In a worker cluster each
/// sender instance sends to the destinations the topology's <c>federation_senders</c> shard to it;
/// alone, the process sends to all. It serves no endpoints.
/// </summary>
public sealed class FederationSenderModule : IRoleModule
{
    public string Name => Roles.FederationSender;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FederationSenderOptions>().Bind(configuration.GetSection(FederationSenderOptions.Section))
            .Validate(o => o.MinBackoff > TimeSpan.Zero && o.MaxBackoff >= o.MinBackoff,
                "Cluster:Federation:Sender: MinBackoff must be positive and MaxBackoff at least MinBackoff")
            .ValidateOnStart();
        services.AddFederation(configuration);
        services.AddRoomStores();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<RoomServersBeforeEvent>();
        services.AddSingleton<TransactionSender>();
        services.AddSingleton<DestinationQueues>();
        services.AddSingleton<OutboundEventFeed>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboundEventFeed>());
        services.AddTypingStream();
        services.AddReceiptsStream();
        services.AddSingleton<RoomServersNow>();
        // After the event feed: hosted services stop in reverse, so EDUs stop before the queues go.
        services.AddHostedService<OutboundEduFeed>();
        services.AddHostedService<DurableEduWatcher>();
        services.TryAddSingleton<DestinationsHeardFrom>();
        services.AddHostedService<HeardFromWatch>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
    }
}
