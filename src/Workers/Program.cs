using Cluster.Shared.Hosting;
using Cluster.Shared.Configuration;
using Cluster.Workers.Host;
using Cluster.Workers.Startup;

// A worker: the roles its instance has in the topology (--topology FILE --instance NAME).
return await ProcessHost.Build(args, ProcessKind.Worker, addStartup: builder =>
{
    // Before any role's hosted services: they start only once Main has migrated the schema.
    if (builder.Configuration[$"{ClusterOptions.Section}:{nameof(ClusterOptions.Postgres)}"] is { Length: > 0 })
        builder.Services.AddHostedService<WaitForSchema>();
}).RunToExitCodeAsync();
