namespace Cluster.Load;

/// <summary>What to drive: the command line, with defaults matching the target scenario.</summary>
internal sealed record LoadOptions(
    Uri BaseUrl, int Users, int Rooms, double MessagesPerSecond, TimeSpan Duration, TimeSpan Warmup, int? ServerPid, string? PidsDirectory, bool Sync, int? PostgresPid)
{
    public static LoadOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        var url = Value("--url") ?? "http://127.0.0.1:8008";
        return new LoadOptions(
            new Uri(url.TrimEnd('/') + "/"),
            int.Parse(Value("--users") ?? "100"),
            int.Parse(Value("--rooms") ?? "20"),
            double.Parse(Value("--rate") ?? "200", System.Globalization.CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(int.Parse(Value("--seconds") ?? "30")),
            TimeSpan.FromSeconds(int.Parse(Value("--warmup") ?? "5")),
            Value("--pid") is { } pid ? int.Parse(pid) : null,
            Value("--pids-dir"),
            !args.Contains("--no-sync"),
            Value("--postgres-pid") is { } pg ? int.Parse(pg) : null);
    }

    public const string Usage =
        "usage: Cluster.Load [--url http://127.0.0.1:8008] [--users 100] [--rooms 20] [--rate 200] [--seconds 30] [--warmup 5] [--pid SERVER_PID | --pids-dir DATA/run] [--postgres-pid POSTMASTER_PID] [--no-sync]";
}
