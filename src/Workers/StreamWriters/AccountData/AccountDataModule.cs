using Cluster.Replication.Streams.AccountData;
using Cluster.Replication.Streams.PushRules;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.AccountData;

/// <summary>The account data stream's writer and the account data API.</summary>
public sealed class AccountDataModule : IRoleModule
{
    public string Name => "stream_writer";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddAccountDataStream();
        // GET m.push_rules answers from the push rules tables.
        services.AddPushRulesStream();
        services.TryAddSingleton<AccountDataWriter>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => AccountDataEndpoints.Map(endpoints);
}
