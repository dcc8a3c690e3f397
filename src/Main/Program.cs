using Cluster.Main;

MainHost.Build(args).Run();

/// <summary>Entry point type, visible to integration tests.</summary>
public partial class Program;
