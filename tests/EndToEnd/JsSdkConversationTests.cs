using System.Diagnostics;
using System.Reflection;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.EndToEnd.Tests;

/// <summary>
/// A real Matrix client, matrix-js-sdk (pinned in client/package.json), against the real
/// homeserver: the scenario in client/scenario.mjs, run by Node.
/// </summary>
[NonParallelizable]
public class JsSdkConversationTests
{
    private static readonly string ClientFolder = typeof(JsSdkConversationTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ClientFolder").Value!;

    [Test]
    public async Task Two_js_sdk_clients_converse_and_each_timeline_matches_the_servers_messages()
    {
        Assert.That(Directory.Exists(Path.Combine(ClientFolder, "node_modules", "matrix-js-sdk")), Is.True,
            $"matrix-js-sdk is not installed: run `npm ci` in {ClientFolder} (./deploy/test does)");
        await using var server = await Homeserver.StartAsync();

        var start = new ProcessStartInfo("node", ["scenario.mjs", server.BaseAddress.ToString().TrimEnd('/'), "100"])
        {
            WorkingDirectory = ClientFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"The scenario did not finish in 5 minutes.\n{await stdout}\n{await stderr}");
        }
        var output = await stdout;
        TestContext.Out.WriteLine(output);
        Assert.That(node.ExitCode, Is.Zero, $"{output}\n{await stderr}");
        Assert.That(output, Does.Contain("\"ok\":true"));
    }
}
