using Cluster.Router;

// The router in front of a worker cluster: dotnet Cluster.Router.dll --topology FILE
await RouterHost.Build(args).RunAsync();
