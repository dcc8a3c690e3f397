using System.Reflection;
using Cluster.ClientApi.Tests.Fixtures;

namespace Cluster.ClientApi.Tests.Discovery;

/// <summary><c>--config FILE</c>: the operator's settings file, below environment and command line.</summary>
public class SettingsFileTests
{
    private static readonly string RepositoryRoot = typeof(SettingsFileTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    [Test]
    public async Task The_documented_production_file_loads_and_its_settings_apply()
    {
        var file = Path.Combine(RepositoryRoot, "deploy", "config", "production.json");
        // The fixture's command-line switches (database, registration) still win over the file.
        await using var server = await Homeserver.StartAsync(new Dictionary<string, string> { ["config"] = file });
        using var client = server.NewClient();

        var wellKnown = (await client.GetAsync("/.well-known/matrix/client")).Ok();

        Assert.That(wellKnown["m.homeserver"]!["base_url"]!.GetValue<string>(), Is.EqualTo("https://matrix.example.org"));
    }

    [Test]
    public void A_missing_settings_file_stops_the_start_with_its_name()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-settings.json");
        // In-process the start throws FileNotFoundException; a cluster's process exits with it.
        var e = Assert.CatchAsync(() => Homeserver.StartAsync(new Dictionary<string, string> { ["config"] = missing }));
        Assert.That(e!.Message, Does.Contain("no-such-settings.json"));
        if (!Homeserver.IsCluster)
            Assert.That(e, Is.TypeOf<FileNotFoundException>());
    }
}
