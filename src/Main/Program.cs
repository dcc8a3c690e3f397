using Cluster.Shared.Hosting;
using Cluster.Main;
using Cluster.Shared.Configuration.Topology;

// `Cluster.Main.dll check-topology FILE`: validates a topology and lists its instances, one
// line each (name, roles, listen, internal), for operators and for deploy/run;
// `check-topology FILE --router` prints the router's listen address instead.
if (args is ["check-topology", var file, ..] && args.Length <= 3)
{
    try
    {
        var topology = ClusterTopology.Load(file);
        if (args is [_, _, "--router"])
        {
            Console.WriteLine(topology.Router.Listen);
            return 0;
        }
        if (args.Length == 3)
        {
            Console.Error.WriteLine($"unknown option '{args[2]}' (only --router)");
            return 2;
        }
        foreach (var instance in topology.Instances)
            Console.WriteLine($"{instance.Name} {string.Join(',', instance.Roles)} {instance.Listen} {instance.Internal}");
        return 0;
    }
    catch (TopologyException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

return await MainHost.Build(args).RunToExitCodeAsync();

/// <summary>Entry point type, visible to integration tests.</summary>
public partial class Program;
