using Cluster.Replication.Streams.PushRules;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.PushRules;

/// <summary>The push rules stream's writer and the push rules API.</summary>
public sealed class PushRulesModule : IRoleModule
{
    public string Name => "stream_writer";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPushRulesStream();
        services.TryAddSingleton<PushRulesWriter>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => PushRulesEndpoints.Map(endpoints);
}
