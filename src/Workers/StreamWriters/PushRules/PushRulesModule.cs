using Cluster.Replication.Streams.PushRules;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>
/// The push rules API, and on the push rules stream's writer its writes (internal endpoints).
/// Client readers host it too; their writes go to the writer.
/// </summary>
public sealed class PushRulesModule : IRoleModule
{
    public string Name => Roles.StreamWriter;

    public IReadOnlyCollection<string> AlsoHostedBy => [Roles.ClientReader];

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPushRulesStream();
        services.AddStreamWrites<IPushRulesWriter, PushRulesWriter>(PushRulesStream.StreamName, remote => new RemotePushRulesWriter(remote));
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        PushRulesEndpoints.Map(endpoints);
        PushRulesInternalEndpoints.Map(endpoints);
    }
}
