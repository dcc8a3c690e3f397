using Cluster.Main;
using Cluster.Shared.Configuration.Topology;

// `Cluster.Main.dll check-topology FILE`: validates a topology and lists its instances, one
// line each (name, roles, listen, internal), for operators and for deploy/run.
if (args is ["check-topology", var file])
{
    try
    {
        foreach (var instance in ClusterTopology.Load(file).Instances)
            Console.WriteLine($"{instance.Name} {string.Join(',', instance.Roles)} {instance.Listen} {instance.Internal}");
        return 0;
    }
    catch (TopologyException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

MainHost.Build(args).Run();
return 0;

/// <summary>Entry point type, visible to integration tests.</summary>
public partial class Program;
