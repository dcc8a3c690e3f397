using Cluster.Load;
using Cluster.Load.Federation;

// One homeserver's Client-Server API under load (the default), or federation: --federation
// latency (two servers), inbound or outbound (this tool acting as another server).
if (args.Contains("--help"))
{
    Console.WriteLine(LoadOptions.Usage);
    Console.WriteLine(FederationLoadOptions.Usage);
    return 0;
}
if (Array.IndexOf(args, "--federation") >= 0)
{
    var federation = FederationLoadOptions.Parse(args);
    return federation.Mode switch
    {
        FederationMode.Latency => await CrossServerLatency.RunAsync(federation),
        FederationMode.Inbound => await InboundPduLoad.RunAsync(federation),
        _ => await OutboundPduLoad.RunAsync(federation),
    };
}
return await ClientApiLoad.RunAsync(LoadOptions.Parse(args));
