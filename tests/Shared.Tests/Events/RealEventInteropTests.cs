using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Text;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Events;

/// <summary>
/// Events that other servers published over federation, with the IDs and content hashes those
/// servers computed: our hashing must agree with theirs byte for byte.
/// </summary>
public class RealEventInteropTests
{
    public static IEnumerable<TestCaseData> RealEvents()
    {
        var file = Path.Combine(AppContext.BaseDirectory, "Events", "real-events.json");
        foreach (var entry in JsonNode.Parse(File.ReadAllText(file))!["events"]!.AsArray())
        {
            var version = entry!["room_version"]!.GetValue<string>();
            yield return new TestCaseData(version, entry["event"]!.AsObject(),
                    entry["event_id"]!.GetValue<string>(), entry["content_hash"]!.GetValue<string>())
                .SetArgDisplayNames($"v{version} {entry["event"]!["type"]}");
        }
    }

    [TestCaseSource(nameof(RealEvents))]
    public void EventIdMatchesTheOneItsServerGaveIt(string roomVersion, JsonObject evt, string eventId, string _)
    {
        Assert.That(Versions.TryGet(roomVersion, out var version), Is.True);
        Assert.That(EventIds.Of(evt, version), Is.EqualTo(eventId));
    }

    [TestCaseSource(nameof(RealEvents))]
    public void ContentHashMatchesTheOneItsServerComputed(string roomVersion, JsonObject evt, string _, string contentHash)
    {
        Assert.That(UnpaddedBase64.Encode(EventHashing.ComputeContentHash(evt)), Is.EqualTo(contentHash));
        Assert.That(EventHashing.CheckContentHash(evt), Is.EqualTo(ContentHashStatus.Matches));
    }
}
