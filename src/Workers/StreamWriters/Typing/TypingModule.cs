using Cluster.Replication.Streams.Typing;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Typing;

/// <summary>The typing stream's writer: PUT typing, and the expiry of typing that timed out.</summary>
public sealed class TypingModule : IRoleModule
{
    public string Name => "stream_writer";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddTypingStream();
        services.AddStreamWriterCommon();
        services.AddSingleton<TypingWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<TypingWriter>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => TypingEndpoint.Map(endpoints);
}
