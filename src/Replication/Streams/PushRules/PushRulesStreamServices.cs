using Cluster.Replication.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Cluster.Replication.Streams.PushRules;

public static class PushRulesStreamServices
{
    /// <summary>The push rules stream and <see cref="PushRulesReader"/>. Safe to call more than once.</summary>
    public static IServiceCollection AddPushRulesStream(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PushRulesReader)))
            return services;
        services.AddSingleton<PushRulesReader>();
        services.AddStream(PushRulesStream.Instance);
        return services;
    }
}
