using Microsoft.AspNetCore.Routing;

namespace Cluster.Workers.Host;

/// <summary>
/// One role: its services (stores, stream writers and followers, hosted services) and its
/// endpoints. The same module runs inside a worker or inside Main in single-process mode, and
/// nothing in it knows which.
/// </summary>
public interface IRoleModule
{
    /// <summary>The role's name in topology files and on the command line (<c>--roles</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Other roles whose processes host this module too (a client reader serving the stream
    /// writers' endpoints, sending the writes on to the stream's writer). A process hosts each
    /// module once, whichever of its roles brought it.
    /// </summary>
    IReadOnlyCollection<string> AlsoHostedBy => [];

    void AddServices(IServiceCollection services, IConfiguration configuration);

    void MapEndpoints(IEndpointRouteBuilder endpoints);
}
