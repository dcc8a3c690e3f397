using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClusterTests.Deploy;

/// <summary>
/// The README's run command as a new user runs it: <c>./deploy/run</c> with nothing configured
/// provisions its own PostgreSQL and Redis, starts the default cluster behind the router, and
/// <c>./deploy/run stop</c> ends all of it. Slow (a PostgreSQL initdb and ten processes), so one test.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class DeployRunTests
{
    // deploy/run itself gives the router 5 minutes: ten runtimes starting at once, beside the rest of
    // the test run on two cores, have needed more than 3.
    private static readonly TimeSpan StartLimit = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan StopLimit = TimeSpan.FromMinutes(1);

    [Test]
    public async Task Deploy_run_starts_the_default_cluster_behind_one_url_and_stop_ends_everything()
    {
        var root = RepositoryRoot();
        var data = Directory.CreateTempSubdirectory("deploy-run-").FullName;
        var port = FreePortRange();
        var output = new ConcurrentQueue<string>();
        using var run = StartScript(root, output, "deploy/run", "--port", port.ToString(), "--data", data);
        try
        {
            await WaitForLineAsync(run, output, data, $"homeserver localhost:{port} on http://127.0.0.1:{port}");

            using var anonymous = new MatrixTestClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") }, null);
            var registered = (await anonymous.PostAsync("/_matrix/client/v3/register", new JsonObject
            {
                ["username"] = "alice",
                ["password"] = "correct horse battery",
                ["auth"] = new JsonObject { ["type"] = "m.login.dummy" },
            })).Ok();
            Assert.That(registered["user_id"]!.GetValue<string>(), Is.EqualTo($"@alice:localhost:{port}"));

            using var alice = new MatrixTestClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") },
                registered["access_token"]!.GetValue<string>());
            var roomId = (await alice.PostAsync("/_matrix/client/v3/createRoom", new JsonObject()))
                .Ok()["room_id"]!.GetValue<string>();
            var eventId = (await alice.PutAsync($"/_matrix/client/v3/rooms/{Uri.EscapeDataString(roomId)}/send/m.room.message/t1",
                new JsonObject { ["msgtype"] = "m.text", ["body"] = "hello cluster" })).Ok()["event_id"]!.GetValue<string>();
            var sync = (await alice.GetAsync("/_matrix/client/v3/sync")).Ok();
            var timeline = sync["rooms"]!["join"]![roomId]!["timeline"]!["events"]!.AsArray();
            Assert.That(timeline.Select(e => e!["event_id"]!.GetValue<string>()), Does.Contain(eventId));
            var keys = (await anonymous.GetAsync("/_matrix/key/v2/server")).Ok();
            Assert.That(keys["server_name"]!.GetValue<string>(), Is.EqualTo($"localhost:{port}"), "federation keys through the router");
            Assert.That(Directory.GetFiles(Path.Combine(data, "logs"), "*.log"), Has.Length.EqualTo(10),
                "one log file per process: nine instances and the router");

            using var stop = StartScript(root, output, "deploy/run", "stop", "--data", data);
            await WaitForExitAsync(stop, output, "deploy/run stop");
            await WaitForExitAsync(run, output, "deploy/run");
            Assert.That(await AnswersAsync(port), Is.False, "the router still answers after stop");
            var alive = Directory.GetFiles(Path.Combine(data, "run"), "*.pid")
                .Where(f => IsAlive(int.Parse(File.ReadAllText(f).Trim()))).ToList();
            Assert.That(alive, Is.Empty, "processes left running after stop");
        }
        finally
        {
            if (!run.HasExited)
            {
                using var stop = StartScript(root, output, "deploy/run", "stop", "--data", data);
                await stop.WaitForExitAsync();
            }
            TestContext.Out.WriteLine(string.Join('\n', output.TakeLast(60)));
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // PostgreSQL's files belong to its own user; a leftover temporary folder is harmless.
            }
        }
    }

    private static Process StartScript(string root, ConcurrentQueue<string> output, string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [script, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        // As on a fresh machine: no PostgreSQL or Redis configured, so the script provisions its own.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Cluster__", StringComparison.Ordinal)
            || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k == "HOMESERVER_UNDER_TEST").ToList())
            start.Environment.Remove(key);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {script}");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return process;
    }

    private static async Task WaitForLineAsync(Process run, ConcurrentQueue<string> output, string data, string expected)
    {
        var deadline = DateTime.UtcNow + StartLimit;
        while (!output.Any(line => line.Contains(expected, StringComparison.Ordinal)))
        {
            if (run.HasExited)
                Assert.Fail($"deploy/run exited ({run.ExitCode}) before the cluster was up:\n{string.Join('\n', output)}\n{LogTails(data)}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"deploy/run did not report the cluster up within {StartLimit}:\n{string.Join('\n', output)}\n{LogTails(data)}");
            await Task.Delay(500);
        }
    }

    // The data folder goes with the test, so a failure keeps each process's last words in its message.
    private static string LogTails(string data)
    {
        var logs = Path.Combine(data, "logs");
        if (!Directory.Exists(logs))
            return "(no logs)";
        return string.Join('\n', Directory.GetFiles(logs, "*.log").Order().Select(file =>
            $"== {Path.GetFileName(file)}:\n" + string.Join('\n', File.ReadLines(file).TakeLast(3).Select(l => l.Length > 300 ? l[..300] : l))));
    }

    private static async Task WaitForExitAsync(Process process, ConcurrentQueue<string> output, string what)
    {
        using var limit = new CancellationTokenSource(StopLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{what} did not exit within {StopLimit}:\n{string.Join('\n', output)}");
        }
    }

    private static async Task<bool> AnswersAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // deploy/run shifts every port of the default topology (8008-9151) by the same amount as the
    // router's; pick a router port whose whole shifted range is free. Below Linux's ephemeral
    // range (32768 and up): there, the outbound connections of tests running beside this one took
    // a worker's port between this check and its bind.
    private static int FreePortRange()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var router = 12008 + Random.Shared.Next(0, 8) * 1200;
            var offsets = new[] { 0, 72, 93, 103, 133, 143, 1072, 1093, 1103, 1133, 1143 };
            if (offsets.All(o => IsFree(router + o)))
                return router;
        }
        throw new InvalidOperationException("no free port range for deploy/run");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("Cluster.sln not found above the test's folder");
    }
}
