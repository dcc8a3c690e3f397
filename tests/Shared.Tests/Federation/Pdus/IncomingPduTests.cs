using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Pdus;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Cluster.Shared.Tests.Json;
using CsCheck;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.Federation.Pdus;

/// <summary>Check 1 on receipt: a received PDU is a valid event of its room version, or it is dropped with a reason.</summary>
public class IncomingPduTests
{
    private static readonly Ed25519SigningKey Key = Ed25519SigningKey.Generate("test");

    [OneTimeTearDown]
    public void DisposeKey() => Key.Dispose();

    private static IEnumerable<RoomVersion> AllVersions => Versions.All;
    private static IEnumerable<RoomVersion> HashIdVersions => Versions.All.Where(v => !v.ServerGeneratedEventIds);
    private static IEnumerable<RoomVersion> StrictVersions => Versions.All.Where(v => v.StrictCanonicalJson);
    private static IEnumerable<RoomVersion> RoomIdsWithServer => Versions.All.Where(v => !v.RoomIdFromCreateEvent);

    private static PduFailure Failure(JsonObject json, RoomVersion version, string? expectedRoomId = null)
    {
        Assert.That(IncomingPdu.TryParse(json, version, expectedRoomId, out var pdu, out var failure), Is.False, "the event was accepted");
        Assert.That(pdu, Is.Null);
        return failure!;
    }

    private static Pdu Parsed(JsonObject json, RoomVersion version, string? expectedRoomId = null)
    {
        var ok = IncomingPdu.TryParse(json, version, expectedRoomId, out var pdu, out var failure);
        Assert.That(ok, Is.True, failure?.ToString());
        return pdu!;
    }

    [TestCaseSource(nameof(AllVersions))]
    public void SignedMessageOfTheVersionIsRead(RoomVersion version)
    {
        var json = SignedEvents.SignedMessage(version, Key);
        var pdu = Parsed(json, version, SignedEvents.RoomId(version));
        Assert.Multiple(() =>
        {
            Assert.That(pdu.Type, Is.EqualTo("m.room.message"));
            Assert.That(pdu.EventId, Is.EqualTo(EventIds.Of(json, version)));
            Assert.That(pdu.RoomId, Is.EqualTo(SignedEvents.RoomId(version)));
        });
    }

    [TestCaseSource(nameof(HashIdVersions))]
    public void EventIdIsTheReferenceHashNotACarriedEventIdField(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["event_id"] = "$chosen:" + SignedEvents.Server;
        SignedEvents.Sign(json, version, Key);
        Assert.That(Parsed(json, version).EventId, Is.EqualTo(EventIds.FromReferenceHash(EventHashing.ComputeReferenceHash(json, version), version)));
    }

    [TestCase("1")]
    [TestCase("2")]
    public void ServerGeneratedEventIdIsTheCarriedOne(string versionId)
    {
        var version = Version(versionId);
        Assert.That(Parsed(SignedEvents.SignedMessage(version, Key), version).EventId, Is.EqualTo("$message:" + SignedEvents.Server));
    }

    [TestCase("1")]
    [TestCase("2")]
    public void ServerGeneratedVersionWithoutEventIdIsDropped(string versionId)
    {
        var version = Version(versionId);
        var json = SignedEvents.Message(version);
        json.Remove("event_id");
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    /// <summary>The spec's "minimal event" signing vector has the v3+ shape (no event_id) and room version 1-10 redaction.</summary>
    [TestCase("3")]
    [TestCase("4")]
    [TestCase("5")]
    [TestCase("6")]
    [TestCase("10")]
    public void SpecMinimalEventVectorIsAValidEvent(string versionId)
    {
        var version = Version(versionId);
        var pdu = Parsed(SpecEventVectors.MinimalEvent(), version, "!x:domain");
        Assert.That((pdu.Sender, pdu.Depth, pdu.OriginServerTs), Is.EqualTo(("@a:domain", 3L, 1000000L)));
    }

    [Test]
    public void RealV1EventFromAnotherServerIsRead()
    {
        var (json, eventId) = RealEvent("1");
        Assert.That(Parsed(json, Versions.V1).EventId, Is.EqualTo(eventId));
    }

    [TestCase("3")]
    [TestCase("5")]
    public void RealCreateEventFromAnotherServerIsRead(string versionId)
    {
        var (json, eventId) = RealEvent(versionId);
        Assert.That(Parsed(json, Version(versionId)).EventId, Is.EqualTo(eventId));
    }

    [Test]
    public void V12CreateEventFoundsTheRoomItsIdNames()
    {
        var json = SignedEvents.Message(Versions.V12);
        json["type"] = "m.room.create";
        json["state_key"] = "";
        json["content"] = new JsonObject { ["room_version"] = "12" };
        json.Remove("room_id");
        json["prev_events"] = new JsonArray();
        json["auth_events"] = new JsonArray();
        SignedEvents.Sign(json, Versions.V12, Key);
        var roomId = EventIds.RoomIdOfCreateEvent(json, Versions.V12);
        Assert.That(Parsed(json, Versions.V12, roomId).RoomId, Is.EqualTo(roomId));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void EventInAnotherRoomThanExpectedIsDropped(RoomVersion version)
    {
        var json = SignedEvents.SignedMessage(version, Key);
        var elsewhere = version.RoomIdFromCreateEvent ? "!" + new string('A', 43) : "!other:" + SignedEvents.Server;
        Assert.That(Failure(json, version, elsewhere).Reason, Is.EqualTo(PduFailureReason.WrongRoom));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void EventOverTheSizeLimitIsDropped(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["content"]!["body"] = new string('x', EventSizeLimits.MaxEventBytes);
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Reason, Is.EqualTo(PduFailureReason.TooLarge));
    }

    [TestCase("type")]
    [TestCase("state_key")]
    public void FieldOverItsByteLimitIsDropped(string field)
    {
        var json = SignedEvents.Message(Versions.V11);
        json[field] = new string('t', EventSizeLimits.MaxFieldBytes + 1);
        Assert.That(Failure(SignedEvents.Sign(json, Versions.V11, Key), Versions.V11).Reason, Is.EqualTo(PduFailureReason.TooLarge));
    }

    [TestCaseSource(nameof(StrictVersions))]
    public void FloatFromRoomVersion6IsDropped(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["content"]!["rating"] = 1.5;
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Reason, Is.EqualTo(PduFailureReason.NotCanonicalJson));
    }

    [TestCaseSource(nameof(StrictVersions))]
    public void IntegerBeyondTheCanonicalRangeFromRoomVersion6IsDropped(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["content"]!["count"] = 1L << 53;
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Reason, Is.EqualTo(PduFailureReason.NotCanonicalJson));
    }

    [TestCase("1")]
    [TestCase("5")]
    public void FloatBeforeRoomVersion6IsRead(string versionId)
    {
        var version = Version(versionId);
        var json = SignedEvents.Message(version);
        json["content"]!["rating"] = 1.5;
        Assert.That(Parsed(SignedEvents.Sign(json, version, Key), version).Content["rating"]!.GetValue<double>(), Is.EqualTo(1.5));
    }

    [TestCase(200)]
    [TestCase(5000)]
    public void DeeplyNestedContentIsDroppedWithoutThrowing(int depth)
    {
        var json = SignedEvents.Message(Versions.V11);
        json["content"] = new JsonObject
        {
            ["nested"] = JsonNode.Parse(new string('[', depth) + new string(']', depth), documentOptions: new JsonDocumentOptions { MaxDepth = depth + 1 }),
        };
        Assert.That(Failure(json, Versions.V11).Reason, Is.EqualTo(PduFailureReason.NotCanonicalJson));
    }

    [Test]
    public void HugePrevEventsArrayIsDropped()
    {
        var json = SignedEvents.Message(Versions.V11);
        json["prev_events"] = new JsonArray(Enumerable.Range(0, 100_000).Select(i => (JsonNode)JsonValue.Create($"$e{i}")).ToArray());
        Assert.That(Failure(json, Versions.V11).Reason, Is.EqualTo(PduFailureReason.TooLarge));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void MorePrevEventsThanOthersAcceptIsDropped(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["prev_events"] = new JsonArray(Enumerable.Range(0, 21).Select(i => SignedEvents.Reference(version, $"p{i}")).ToArray());
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Detail, Does.Contain("prev_events"));
    }

    [TestCaseSource(nameof(AllVersions))]
    public void MoreAuthEventsThanOthersAcceptIsDropped(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["auth_events"] = new JsonArray(Enumerable.Range(0, 11).Select(i => SignedEvents.Reference(version, $"a{i}")).ToArray());
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Detail, Does.Contain("auth_events"));
    }

    [TestCase("type")]
    [TestCase("sender")]
    [TestCase("room_id")]
    [TestCase("content")]
    [TestCase("depth")]
    [TestCase("origin_server_ts")]
    [TestCase("prev_events")]
    [TestCase("auth_events")]
    [TestCase("hashes")]
    [TestCase("signatures")]
    public void EventWithoutARequiredFieldIsDropped(string field)
    {
        var json = SignedEvents.SignedMessage(Versions.V11, Key);
        json.Remove(field);
        Assert.That(Failure(json, Versions.V11).Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    [TestCase("type", "5")]
    [TestCase("type", "\"\"")]
    [TestCase("sender", "\"alice\"")]
    [TestCase("sender", "[\"@a:b\"]")]
    [TestCase("room_id", "123")]
    [TestCase("room_id", "\"room\"")]
    [TestCase("state_key", "7")]
    [TestCase("content", "\"hello\"")]
    [TestCase("depth", "\"5\"")]
    [TestCase("depth", "-1")]
    [TestCase("origin_server_ts", "true")]
    [TestCase("hashes", "[]")]
    [TestCase("signatures", "\"sig\"")]
    [TestCase("prev_events", "{}")]
    [TestCase("prev_events", "[\"not an id\"]")]
    [TestCase("prev_events", "[5]")]
    [TestCase("auth_events", "[[\"$a:b\", {}]]")]
    [TestCase("auth_events", "[null]")]
    public void FieldOfTheWrongTypeOrShapeIsDropped(string field, string value)
    {
        var json = SignedEvents.SignedMessage(Versions.V11, Key);
        json[field] = JsonNode.Parse(value);
        Assert.That(Failure(json, Versions.V11).Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    [TestCase("prev_events", "[\"$abc:remote.example\"]")]
    [TestCase("prev_events", "[[\"$abc:remote.example\"]]")]
    [TestCase("auth_events", "[[5, {}]]")]
    [TestCase("event_id", "\"no-sigil\"")]
    public void V1EventWithMalformedReferencesOrIdIsDropped(string field, string value)
    {
        var json = SignedEvents.SignedMessage(Versions.V1, Key);
        json[field] = JsonNode.Parse(value);
        Assert.That(Failure(json, Versions.V1).Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    [TestCaseSource(nameof(RoomIdsWithServer))]
    public void RoomIdWithoutServerIsDroppedBeforeV12(RoomVersion version)
    {
        var json = SignedEvents.Message(version);
        json["room_id"] = "!" + new string('A', 43);
        Assert.That(Failure(SignedEvents.Sign(json, version, Key), version).Reason, Is.EqualTo(PduFailureReason.InvalidFormat));
    }

    private static readonly string[] TopLevelFields =
        ["type", "sender", "room_id", "state_key", "content", "depth", "origin_server_ts", "prev_events", "auth_events",
         "hashes", "signatures", "event_id", "redacts", "unsigned"];

    /// <summary>Any value in any field: the answer is always a verdict, never an exception.</summary>
    [Test]
    public void ArbitraryValuesInAnyFieldNeverThrow()
    {
        var gen = Gen.Select(Gen.Int[0, Versions.All.Count - 1], Gen.Int[0, TopLevelFields.Length - 1], JsonGenerators.Value);
        gen.Sample((versionIndex, fieldIndex, value) =>
        {
            var version = Versions.All[versionIndex];
            var json = SignedEvents.SignedMessage(version, Key);
            json[TopLevelFields[fieldIndex]] = value;
            var ok = IncomingPdu.TryParse(json, version, null, out var pdu, out var failure);
            return ok ? pdu is not null && failure is null : pdu is null && failure is not null;
        }, iter: 300);
    }

    private static RoomVersion Version(string id) => Versions.TryGet(id, out var v) ? v : throw new ArgumentException(id);

    private static (JsonObject Json, string EventId) RealEvent(string roomVersion)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "Events", "real-events.json");
        var entry = JsonNode.Parse(File.ReadAllText(file))!["events"]!.AsArray()
            .First(e => e!["room_version"]!.GetValue<string>() == roomVersion)!;
        return (entry["event"]!.AsObject().DeepClone().AsObject(), entry["event_id"]!.GetValue<string>());
    }
}
