using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Text;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Events;

public class EventIdTests
{
    private static readonly Regex StandardHashId = new(@"^\$[A-Za-z0-9+/]{43}$");
    private static readonly Regex UrlSafeHashId = new(@"^\$[A-Za-z0-9_-]{43}$");

    public static IEnumerable<RoomVersion> ServerGeneratedVersions => Versions.All.Where(v => v.EventFormat == EventFormat.V1);
    public static IEnumerable<RoomVersion> UrlSafeVersions => Versions.All.Where(v => v.EventFormat == EventFormat.V3);

    [TestCaseSource(nameof(ServerGeneratedVersions))]
    public void EarlyVersionsUseTheCarriedEventId(RoomVersion version)
    {
        var evt = EventHashingTests.Message();
        evt["event_id"] = "$abc:example.org";
        Assert.That(EventIds.Of(evt, version), Is.EqualTo("$abc:example.org"));
    }

    [TestCaseSource(nameof(ServerGeneratedVersions))]
    public void EarlyVersionEventWithoutEventIdIsInvalid(RoomVersion version) =>
        Assert.Throws<InvalidEventException>(() => EventIds.Of(EventHashingTests.Message(), version));

    [TestCaseSource(nameof(ServerGeneratedVersions))]
    public void EarlyVersionsHaveNoHashDerivedId(RoomVersion version) =>
        Assert.Throws<InvalidOperationException>(() => EventIds.FromReferenceHash(new byte[32], version));

    [Test]
    public void ServerGeneratedIdHasRandomLocalpartAndServer()
    {
        var a = EventIds.NewServerGenerated("example.org");
        Assert.That(a, Does.Match(@"^\$[A-Za-z]{18}:example\.org$"));
        Assert.That(EventIds.NewServerGenerated("example.org"), Is.Not.EqualTo(a));
    }

    [Test]
    public void V3IdIsStandardBase64OfReferenceHash()
    {
        var id = EventIds.Of(EventHashingTests.Message(), Versions.V3);
        Assert.That(id, Is.EqualTo("$" + EventHashingTests.MessageReferenceHashStandard));
        Assert.That(id, Does.Match(StandardHashId));
    }

    [TestCaseSource(nameof(UrlSafeVersions))]
    public void V4AndLaterIdsAreUrlSafeBase64OfReferenceHash(RoomVersion version)
    {
        var evt = EventHashingTests.Message();
        var id = EventIds.Of(evt, version);
        Assert.That(id, Does.Match(UrlSafeHashId));
        Assert.That(id, Is.EqualTo("$" + UnpaddedBase64.EncodeUrlSafe(EventHashing.ComputeReferenceHash(evt, version))));
    }

    [Test]
    public void V4IdOfMessageMatchesIndependentComputation() =>
        Assert.That(EventIds.Of(EventHashingTests.Message(), Versions.V10), Is.EqualTo("$7eRw77VEoLpKUL1RW2okRs6I_Zi1eqb0007xbWUCOOU"));

    [Test]
    public void V3AndV4DifferOnlyInAlphabet()
    {
        var hash = new byte[32];
        Array.Fill(hash, (byte)0xFB); // encodes to "+/" heavy Base64
        Assert.Multiple(() =>
        {
            Assert.That(EventIds.FromReferenceHash(hash, Versions.V3), Does.Match(StandardHashId).And.Contain("+"));
            Assert.That(EventIds.FromReferenceHash(hash, Versions.V4), Does.Match(UrlSafeHashId).And.Contain("-"));
            Assert.That(EventIds.FromReferenceHash(hash, Versions.V4),
                Is.EqualTo(EventIds.FromReferenceHash(hash, Versions.V3).Replace('+', '-').Replace('/', '_')));
        });
    }

    [Test]
    public void EventIdIgnoresSignaturesAndUnsigned()
    {
        var evt = EventHashingTests.Message();
        var before = EventIds.Of(evt, Versions.V12);
        evt["signatures"]!["other.example"] = new JsonObject { ["ed25519:x"] = "y" };
        evt["unsigned"] = new JsonObject { ["age"] = 99 };
        Assert.That(EventIds.Of(evt, Versions.V12), Is.EqualTo(before));
    }

    private static JsonObject V12Create() => JsonNode.Parse("""
        {"type": "m.room.create", "state_key": "", "sender": "@alice:example.org", "origin_server_ts": 1700000000000,
         "depth": 1, "content": {"room_version": "12", "m.federate": true}, "prev_events": [], "auth_events": [],
         "hashes": {"sha256": "y"}, "signatures": {}, "unsigned": {}}
        """)!.AsObject();

    [Test]
    public void V12RoomIdIsUrlSafeReferenceHashOfCreateEvent() =>
        Assert.That(EventIds.RoomIdOfCreateEvent(V12Create(), Versions.V12), Is.EqualTo("!GOAzU8S3i5Q9cN2uCd0DLxyvgjC5-Yty4YrMhp9Zz4A"));

    [Test]
    public void V12RoomIdIsTheCreateEventIdWithRoomSigil()
    {
        var create = V12Create();
        Assert.That(EventIds.RoomIdOfCreateEvent(create, Versions.V12), Is.EqualTo("!" + EventIds.Of(create, Versions.V12)[1..]));
    }

    [Test]
    public void V12RoomIdDependsOnCreateContent()
    {
        var create = V12Create();
        create["content"]!["org.example.salt"] = "1";
        Assert.That(EventIds.RoomIdOfCreateEvent(create, Versions.V12), Is.Not.EqualTo("!GOAzU8S3i5Q9cN2uCd0DLxyvgjC5-Yty4YrMhp9Zz4A"));
    }

    [Test]
    public void V12RoomIdParsesBackThroughPdu()
    {
        var create = V12Create();
        var eventId = EventIds.Of(create, Versions.V12);
        Assert.That(Pdu.Parse(create, Versions.V12, eventId).RoomId, Is.EqualTo(EventIds.RoomIdOfCreateEvent(create, Versions.V12)));
    }

    [Test]
    public void EarlierVersionsDoNotDeriveRoomIds() =>
        Assert.Throws<InvalidOperationException>(() => EventIds.RoomIdOfCreateEvent(V12Create(), Versions.V11));
}
