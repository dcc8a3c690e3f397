using System.Globalization;

namespace Cluster.Load.Federation;

internal enum FederationMode
{
    /// <summary>Two real servers: messages sent on A, timed to their arrival in the /sync of B's users.</summary>
    Latency,

    /// <summary>This tool as another server sends transactions of PDUs to the server under test.</summary>
    Inbound,

    /// <summary>This tool as another server receives the PDUs the server under test's users send.</summary>
    Outbound,
}

/// <summary>The command line of the federation modes (<c>--federation MODE</c>).</summary>
internal sealed record FederationLoadOptions(
    FederationMode Mode, Uri BaseUrl, Uri? OtherUrl, int Users, int Rooms, double MessagesPerSecond, TimeSpan Duration, TimeSpan Warmup,
    int TransactionSize, int MaxBacklog, int? ServerPid, int? OtherServerPid, int? PostgresPid)
{
    public static FederationLoadOptions Parse(string[] args)
    {
        string? Value(string name)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        }
        static Uri Url(string url) => new(url.TrimEnd('/') + "/");
        var mode = Value("--federation") switch
        {
            "latency" => FederationMode.Latency,
            "inbound" => FederationMode.Inbound,
            "outbound" => FederationMode.Outbound,
            var unknown => throw new ArgumentException($"--federation takes latency, inbound or outbound, not '{unknown}'"),
        };
        var other = Value("--remote-url");
        if (mode == FederationMode.Latency && other is null)
            throw new ArgumentException("--federation latency needs --remote-url (server B, where the messages are received)");
        var transactionSize = int.Parse(Value("--txn-size") ?? "50", CultureInfo.InvariantCulture);
        if (transactionSize is < 1 or > 50)
            throw new ArgumentException("--txn-size is 1 to 50 (the spec's most PDUs per transaction)");
        return new FederationLoadOptions(
            mode,
            Url(Value("--url") ?? "http://127.0.0.1:8008"),
            other is null ? null : Url(other),
            int.Parse(Value("--users") ?? "5", CultureInfo.InvariantCulture),
            int.Parse(Value("--rooms") ?? "1", CultureInfo.InvariantCulture),
            double.Parse(Value("--rate") ?? "20", CultureInfo.InvariantCulture),
            TimeSpan.FromSeconds(int.Parse(Value("--seconds") ?? "30", CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(int.Parse(Value("--warmup") ?? "5", CultureInfo.InvariantCulture)),
            transactionSize,
            int.Parse(Value("--max-backlog") ?? "500", CultureInfo.InvariantCulture),
            Value("--pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
            Value("--remote-pid") is { } remotePid ? int.Parse(remotePid, CultureInfo.InvariantCulture) : null,
            Value("--postgres-pid") is { } pg ? int.Parse(pg, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>The server processes to sample (/proc), named as the report prints them.</summary>
    public ProcessSampler Processes()
    {
        var processes = new Dictionary<string, int>(StringComparer.Ordinal);
        if (ServerPid is { } pid)
            processes[Mode == FederationMode.Latency ? "server A" : "server"] = pid;
        if (OtherServerPid is { } other)
            processes["server B"] = other;
        return new ProcessSampler(processes, PostgresPid);
    }

    public const string Usage =
        "       Cluster.Load --federation latency --url A --remote-url B [--users 5 (per server)] [--rooms 1] [--rate 20] [--seconds 30] [--warmup 5] [--pid A_PID] [--remote-pid B_PID]\n" +
        "       Cluster.Load --federation inbound --url SERVER [--txn-size 50] [--max-backlog 500] [--seconds 30] [--warmup 5] [--pid SERVER_PID] [--postgres-pid PID]\n" +
        "       Cluster.Load --federation outbound --url SERVER [--users 5 (senders)] [--rooms 1] [--seconds 30] [--warmup 5] [--pid SERVER_PID] [--postgres-pid PID]";
}
