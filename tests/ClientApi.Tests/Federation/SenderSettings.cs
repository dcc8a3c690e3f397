namespace Cluster.ClientApi.Tests.Federation;

/// <summary>Sender settings that keep tests short: back-off from 200 ms to 1 s.</summary>
internal static class SenderSettings
{
    public static readonly IReadOnlyDictionary<string, string> Short = new Dictionary<string, string>
    {
        ["Cluster:Federation:Sender:MinBackoff"] = "00:00:00.200",
        ["Cluster:Federation:Sender:MaxBackoff"] = "00:00:01",
        ["Cluster:Federation:RequestTimeout"] = "00:00:10",
    };
}
