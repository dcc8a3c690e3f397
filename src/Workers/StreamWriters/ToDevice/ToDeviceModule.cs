using Cluster.Replication.Streams.ToDevice;
using Cluster.Shared.Configuration.Topology;
using Cluster.Workers.Host;
using Cluster.Workers.StreamWriters.Common;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary>
/// PUT sendToDevice, and on the to-device stream's writer its writes (internal endpoint).
/// Client readers host it too; their writes go to the writer.
/// </summary>
public sealed class ToDeviceModule : IRoleModule
{
    public string Name => Roles.StreamWriter;

    public IReadOnlyCollection<string> AlsoHostedBy => [Roles.ClientReader];

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddToDeviceStream();
        services.AddStreamWrites<IToDeviceSender, ToDeviceSender>(ToDeviceStream.StreamName, remote => new RemoteToDeviceSender(remote));
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        SendToDeviceEndpoint.Map(endpoints);
        ToDeviceInternalEndpoints.Map(endpoints);
    }
}
