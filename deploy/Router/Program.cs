using Cluster.Router;
using Cluster.Shared.Hosting;

// The router in front of a worker cluster: dotnet Cluster.Router.dll --topology FILE
return await RouterHost.Build(args).RunToExitCodeAsync();
