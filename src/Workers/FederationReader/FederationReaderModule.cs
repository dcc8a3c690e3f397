using Cluster.Shared.Federation;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Storage.Directory;
using Cluster.Workers.FederationReader.Devices;
using Cluster.Workers.FederationReader.Directory;
using Cluster.Workers.FederationReader.Keys;
using Cluster.Workers.FederationReader.Membership;
using Cluster.Workers.FederationReader.Queries;
using Cluster.Workers.FederationReader.Transactions;
using Cluster.Workers.FederationReader.Transactions.Edus;
using Cluster.Workers.EventPersister;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationReader.Rooms;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.FederationReader;

/// <summary>
/// The federation API other servers call: this server's keys, the notary, version, and the
/// authenticated queries built so far (profile, room alias directory, a user's devices), the public room directory,
/// reads of rooms' events and state (/event, /state, /state_ids, /backfill, /get_missing_events),
/// inbound transactions (/send: PDUs queued, then checked and persisted in the background;
/// typing, receipts and to-device EDUs applied through the streams' writers, device list updates
/// kept in the remote device list cache, resynced in the background), and the membership
/// handshakes of other servers' users (make_/send_join, leave, knock, invite, event_auth).
/// </summary>
public sealed class FederationReaderModule : IRoleModule
{
    public string Name => Roles.FederationReader;

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddFederation(configuration);
        services.AddRoomStores();
        services.TryAddSingleton<RoomDirectoryStore>();
        services.TryAddSingleton<Notary>();
        services.AddEventPersistence();
        services.TryAddSingleton<Cluster.Shared.Federation.Acl.RoomServerAcls>();
        services.AddOptions<InboundPduRetryOptions>().Bind(configuration.GetSection(InboundPduRetryOptions.Section))
            .Validate(o => o.FirstDelay > TimeSpan.Zero && o.FirstDelay <= TimeSpan.FromDays(1) && o.MaxAttempts >= 1,
                "Cluster:Federation:InboundRetry: FirstDelay must be positive and at most a day, and MaxAttempts at least 1")
            .ValidateOnStart();
        services.TryAddSingleton<InboundPduStore>();
        services.TryAddSingleton<DestinationsHeardFrom>();
        services.TryAddSingleton<Authentication.OriginsHeardFrom>();
        services.TryAddSingleton<InboundPduProcessor>();
        services.TryAddSingleton<InboundPduQueue>();
        services.AddHostedService(provider => provider.GetRequiredService<InboundPduQueue>());
        services.AddFederationRoomReads();
        services.AddFederationMembership();
        services.AddInboundEdus();
        services.AddHostedService<RemoteDeviceListResync>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        FederationVersionEndpoint.Map(endpoints);
        KeyEndpoints.Map(endpoints);
        NotaryEndpoints.Map(endpoints);
        ProfileQueryEndpoint.Map(endpoints);
        UserDevicesEndpoint.Map(endpoints);
        DirectoryQueryEndpoint.Map(endpoints);
        PublicRoomsFederationEndpoint.Map(endpoints);
        SendTransactionEndpoint.Map(endpoints);
        FederationRoomReads.Map(endpoints);
        FederationMembership.Map(endpoints);
    }
}
