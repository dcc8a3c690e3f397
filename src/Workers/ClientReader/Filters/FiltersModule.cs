using Cluster.Workers.Host;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Cluster.Workers.ClientReader.Filters;

/// <summary>Stored /sync filters; <see cref="FilterResolver"/> turns a sync's filter parameter into a <see cref="Filter"/>.</summary>
public sealed class FiltersModule : IRoleModule
{
    public string Name => "client_reader";

    public void AddServices(IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton<FilterStore>();
        services.TryAddSingleton<FilterResolver>();
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => FilterEndpoints.Map(endpoints);
}
