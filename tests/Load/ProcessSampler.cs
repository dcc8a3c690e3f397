namespace Cluster.Load;

/// <summary>
/// The server's processes as the run sees them (from /proc): resident memory, sampled through
/// the run, and CPU time consumed between <see cref="StartWindow"/> and <see cref="EndWindow"/>.
/// PostgreSQL (<c>--postgres-pid</c>, its postmaster) counts with its backends, which do its work.
/// </summary>
internal sealed class ProcessSampler(IReadOnlyDictionary<string, int> processes, int? postgresPid = null)
{
    private const string Postgres = "postgres";
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, long> _idleRss = [];
    private readonly Dictionary<string, long> _peakRss = [];
    private readonly Dictionary<string, double> _cpuAtStart = [];
    private readonly Dictionary<string, double> _cpuUsed = [];

    /// <summary>Named processes from <c>--pid N</c> (one, "server") or <c>--pids-dir DIR</c> (DIR/NAME.pid files, as deploy/run writes).</summary>
    public static ProcessSampler From(LoadOptions options)
    {
        var processes = new Dictionary<string, int>(StringComparer.Ordinal);
        if (options.ServerPid is { } pid)
            processes["server"] = pid;
        if (options.PidsDirectory is { } dir)
            foreach (var file in Directory.GetFiles(dir, "*.pid").Order(StringComparer.Ordinal))
                if (Path.GetFileNameWithoutExtension(file) != "deploy-run" && int.TryParse(File.ReadAllText(file).Trim(), out var p))
                    processes[Path.GetFileNameWithoutExtension(file)] = p;
        return new ProcessSampler(processes, options.PostgresPid);
    }

    public bool Any => processes.Count > 0;

    private IEnumerable<(string Name, Func<double?> Cpu)> CpuSources =>
        processes.Select(p => (p.Key, (Func<double?>)(() => CpuSeconds(p.Value))))
            .Concat(postgresPid is { } pg ? [(Postgres, () => TreeCpuSeconds(pg))] : []);

    public void RecordIdle()
    {
        foreach (var (name, pid) in processes)
            _idleRss[name] = Rss(pid) ?? 0;
    }

    public void SampleRss()
    {
        foreach (var (name, pid) in processes)
            _peakRss[name] = Math.Max(_peakRss.GetValueOrDefault(name), Rss(pid) ?? 0);
    }

    public void StartWindow()
    {
        foreach (var (name, cpu) in CpuSources)
            _cpuAtStart[name] = cpu() ?? 0;
    }

    public void EndWindow()
    {
        foreach (var (name, cpu) in CpuSources)
            _cpuUsed[name] = (cpu() ?? 0) - _cpuAtStart.GetValueOrDefault(name);
    }

    public void Report(int messages)
    {
        var total = _cpuUsed.Values.Sum();
        Console.WriteLine($"{"process",-20} {"RSS idle MB",11} {"RSS peak MB",11} {"CPU s",7} {"CPU s/1k msg",12} {"CPU share",9}");
        foreach (var name in processes.Keys.Concat(postgresPid is null ? [] : [Postgres]))
        {
            var cpu = _cpuUsed.GetValueOrDefault(name);
            Console.WriteLine($"{name,-20} {_idleRss.GetValueOrDefault(name) / 1048576,11} {_peakRss.GetValueOrDefault(name) / 1048576,11} " +
                $"{cpu,7:F2} {cpu * 1000 / Math.Max(1, messages),12:F2} {(total > 0 ? cpu / total : 0),9:P1}");
        }
        Console.WriteLine($"{"total",-20} {_idleRss.Values.Sum() / 1048576,11} {_peakRss.Values.Sum() / 1048576,11} {total,7:F2} {total * 1000 / Math.Max(1, messages),12:F2}");
    }

    private static long? Rss(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }

    // The process and its children (a PostgreSQL backend per connection, forked by the postmaster).
    private static double? TreeCpuSeconds(int pid)
    {
        var total = CpuSeconds(pid);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out var child) && ParentOf(child) == pid)
                total += CpuSeconds(child) ?? 0;
        return total;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
        }
        catch (IOException)
        {
            return null;
        }
    }

    // utime and stime are fields 14 and 15 of /proc/PID/stat, counted after the ')' closing the name.
    private static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
