using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cluster.Shared.Hosting;

/// <summary>
/// Runs a process's host and turns a start-up failure (a backing service that never answered, a
/// failed migration) into a logged error and exit code 1. An exception left to escape Main aborts
/// the runtime instead (SIGABRT, a core dump where enabled), which reads as a crash, not a refusal.
/// </summary>
public static class HostExit
{
    public static async Task<int> RunToExitCodeAsync(this IHost host)
    {
        using (host)
        {
            try
            {
                await host.StartAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(HostExit).FullName!)
                    .LogCritical(e, "The process could not start: {Reason}", e.Message);
                return 1;
            }
            await host.WaitForShutdownAsync();
            return 0;
        }
    }
}
