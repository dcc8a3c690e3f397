using Cluster.Replication.Streams.Typing;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.Typing;

/// <summary>
/// PUT typing, and on the typing stream's writer its writes (internal endpoints) and the expiry
/// of typing that timed out. Client readers host it too; their writes go to the writer.
/// </summary>
public sealed class TypingModule : IRoleModule
{
    public string Name => Roles.StreamWriter;

    public IReadOnlyCollection<string> AlsoHostedBy => [Roles.ClientReader];

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddTypingStream();
        services.AddStreamWriterCommon();
        services.AddStreamWrites<ITypingWriter, TypingWriter>(TypingStream.StreamName, remote => new RemoteTypingWriter(remote));
        services.AddHostedService(provider => provider.GetRequiredService<TypingWriter>());
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        TypingEndpoint.Map(endpoints);
        TypingInternalEndpoints.Map(endpoints);
    }
}
