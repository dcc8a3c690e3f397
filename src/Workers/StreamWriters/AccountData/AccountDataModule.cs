using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>
/// The account data API, and on the account data stream's writer its writes (internal
/// endpoint). Client readers host it too; their writes go to the writer.
/// </summary>
public sealed class AccountDataModule : IRoleModule
{
    public string Name => Roles.StreamWriter;

    public IReadOnlyCollection<string> AlsoHostedBy => [Roles.ClientReader];

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountDataStream();
        // GET m.push_rules answers from the push rules tables.
        services.AddPushRulesStream();
        services.AddAccountDataWrites();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        AccountDataEndpoints.Map(endpoints);
        AccountDataInternalEndpoints.Map(endpoints);
    }
}

public static class AccountDataWritesServices
{
    /// <summary><see cref="IAccountDataWriter"/>, local or remote as the topology says. Safe to call more than once.</summary>
    public static IServiceCollection AddAccountDataWrites(this IServiceCollection services) =>
        services.AddStreamWrites<IAccountDataWriter, AccountDataWriter>(
            AccountDataStream.StreamName, remote => new RemoteAccountDataWriter(remote));
}
