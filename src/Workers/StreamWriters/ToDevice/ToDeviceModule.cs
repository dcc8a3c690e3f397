using Cluster.Replication.Streams.ToDevice;
using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.StreamWriters.ToDevice;

/// <summary>The to-device stream's writer: PUT sendToDevice.</summary>
public sealed class ToDeviceModule : IRoleModule
{
    public string Name => "stream_writer";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddToDeviceStream();
        services.TryAddSingleton<ToDeviceSender>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => SendToDeviceEndpoint.Map(endpoints);
}
