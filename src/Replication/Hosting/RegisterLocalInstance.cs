using Cluster.Shared.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.Replication.Hosting;

/// <summary>Looks up (or registers) this instance's writer ID before any stream starts.</summary>
internal sealed class RegisterLocalInstance(LocalInstance instance, InstanceRegistry registry, ILogger<RegisterLocalInstance> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var id = await registry.GetOrRegisterAsync(instance.Name, cancellationToken);
        instance.SetWriterId(id);
        logger.LogInformation("Instance {Instance} writes as writer {WriterId}", instance.Name, id);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
