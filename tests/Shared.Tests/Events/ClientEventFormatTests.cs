using System.Text;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Tests.Events;

/// <summary>
/// The client format from the stored UTF-8 JSON (the /sync and /messages path) is the client
/// format from the parsed event, field for field.
/// </summary>
public class ClientEventFormatTests
{
    private const long Now = 1_732_350_005_000;

    private const string Message = """
        {"auth_events":["$a"],"content":{"body":"caf\u00e9 \"quoted\"","msgtype":"m.text","m.mentions":{"user_ids":["@b:x"]}},
         "depth":12,"hashes":{"sha256":"h"},"origin_server_ts":1732350000000,"prev_events":["$p"],"room_id":"!r:x",
         "sender":"@a:x","signatures":{"x":{"ed25519:k":"s"}},"type":"m.room.message","unsigned":{"age_ts":1}}
        """;

    private const string State = """
        {"content":{"name":"Room"},"origin_server_ts":1732350000000,"room_id":"!r:x","sender":"@a:x",
         "state_key":"","type":"m.room.name","depth":3}
        """;

    private const string OldRedaction = """
        {"content":{},"origin_server_ts":1732350000000,"redacts":"$gone","room_id":"!r:x","sender":"@a:x",
         "type":"m.room.redaction"}
        """;

    private const string Odd = """
        {"content":"not an object","origin_server_ts":17.5,"room_id":"!r:x","sender":null,"type":"m.x","state_key":null}
        """;

    [TestCase(Message, false, TestName = "A_message_formats_the_same_from_stored_JSON")]
    [TestCase(State, false, TestName = "A_state_event_formats_the_same_from_stored_JSON")]
    [TestCase(OldRedaction, false, TestName = "A_redaction_with_top_level_redacts_formats_the_same_from_stored_JSON")]
    [TestCase(Odd, false, TestName = "An_event_with_odd_field_types_formats_the_same_from_stored_JSON")]
    [TestCase(Message, true, TestName = "A_redacted_message_formats_the_same_from_stored_JSON")]
    public void Formats_the_same_from_stored_JSON(string json, bool redacted)
    {
        AssertSame(json, redacted, extras: null);
    }

    [Test]
    public void Prev_content_and_transaction_id_are_set_from_stored_JSON_as_from_the_parsed_event()
    {
        var extras = new ClientEventExtras { PrevContent = new JsonObject { ["name"] = "Old" }, TransactionId = "txn1" };

        AssertSame(State, redacted: false, extras);
        AssertSame(Message, redacted: false, extras);
    }

    [Test]
    public void The_result_from_stored_JSON_can_be_changed_like_any_node()
    {
        var formatted = ClientEventFormat.Format(Encoding.UTF8.GetBytes(Message), RoomVersions.RoomVersions.V10, "$e", "!r:x", false, Now);

        formatted["content"]!["body"] = "edited";

        Assert.That(formatted["content"]!["body"]!.GetValue<string>(), Is.EqualTo("edited"));
        Assert.That(formatted["content"]!["msgtype"]!.GetValue<string>(), Is.EqualTo("m.text"));
    }

    private static void AssertSame(string json, bool redacted, ClientEventExtras? extras)
    {
        var version = RoomVersions.RoomVersions.V10;
        var fromNode = ClientEventFormat.Format(JsonNode.Parse(json)!.AsObject(), version, "$e", "!r:x", redacted, Now, extras);
        var fromBytes = ClientEventFormat.Format(Encoding.UTF8.GetBytes(json), version, "$e", "!r:x", redacted, Now, extras);

        Assert.That(JsonNode.DeepEquals(fromBytes, fromNode), Is.True, $"from bytes: {fromBytes.ToJsonString()}\nfrom node:  {fromNode.ToJsonString()}");
        Assert.That(fromBytes.Select(p => p.Key), Is.EqualTo(fromNode.Select(p => p.Key)), "field order");
    }
}
