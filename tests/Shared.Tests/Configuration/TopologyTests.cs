using System.Text.Json.Nodes;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Shared.Tests.Configuration;

/// <summary>The topology file: what a valid one gives every process, and how a bad one is refused by name.</summary>
public class TopologyTests
{
    private const string Secret = "0123456789abcdef0123456789abcdef";

    private static JsonObject Valid() => JsonNode.Parse($$"""
        {
          "cluster_secret": "{{Secret}}",
          "instances": [
            { "name": "main", "roles": ["main"], "listen": "127.0.0.1:8080", "internal": "127.0.0.1:9080" },
            { "name": "persister-a", "roles": ["event_persister"], "shard": 1, "listen": "127.0.0.1:8101", "internal": "127.0.0.1:9101" },
            { "name": "persister-b", "roles": ["event_persister"], "shard": 0, "listen": "127.0.0.1:8102", "internal": "127.0.0.1:9102" },
            { "name": "worker", "roles": ["sync_reader", "client_reader", "event_creator", "stream_writer"], "listen": "127.0.0.1:8111", "internal": "127.0.0.1:9111" }
          ],
          "stream_writers": { "typing": "worker", "receipts": "worker", "to_device": "worker", "account_data": "worker", "presence": "worker", "push_rules": "worker" },
          "router": { "listen": "127.0.0.1:8008" }
        }
        """)!.AsObject();

    private static ClusterTopology Parse(JsonObject file) => ClusterTopology.Parse(file.ToJsonString(), Path.GetTempPath(), "test.json");

    private static string Refusal(JsonObject file) => Assert.Throws<TopologyException>(() => Parse(file))!.Message;

    [Test]
    public void A_valid_topology_orders_persisters_by_shard_and_names_the_main_instance()
    {
        var topology = Parse(Valid());
        Assert.That(topology.PersisterShards.Select(p => p.Name), Is.EqualTo(new[] { "persister-b", "persister-a" }));
        Assert.That(topology.Main.Name, Is.EqualTo("main"));
        Assert.That(topology.StreamWriters["typing"], Is.EqualTo("worker"));
        Assert.That(topology.Router.MaxRequestBodyBytes, Is.GreaterThan(0));
    }

    [Test]
    public void The_repository_local_topology_is_valid()
    {
        var file = Path.Combine(TestContext.CurrentContext.TestDirectory, "../../../../../deploy/topology/local.json");
        var text = File.ReadAllText(file);
        var topology = ClusterTopology.Parse(text.Replace("\"cluster_secret_file\": \"cluster.secret\"", $"\"cluster_secret\": \"{Secret}\""), Path.GetTempPath());
        Assert.That(topology.PersisterShards, Has.Count.EqualTo(2));
        Assert.That(topology.WithRole(Roles.SyncReader).Count(), Is.EqualTo(2));
    }

    [Test]
    public void Every_room_maps_to_the_same_persister_every_time_and_rooms_spread_over_shards()
    {
        var topology = Parse(Valid());
        var owners = Enumerable.Range(0, 200).Select(i => topology.PersisterOf($"!room{i}:example.org").Name).ToList();
        Assert.That(owners, Is.EqualTo(Enumerable.Range(0, 200).Select(i => topology.PersisterOf($"!room{i}:example.org").Name)));
        Assert.That(owners.Count(o => o == "persister-a"), Is.InRange(70, 130));
    }

    [Test]
    public void The_room_hash_is_stable_across_versions()
    {
        // Pinned (first 8 bytes of SHA-256, big-endian, modulo the shard count): changing the
        // hash would move rooms between persisters on upgrade.
        Assert.That(RoomShards.ShardOf("!abc:example.org", 16), Is.EqualTo(0));
        Assert.That(Enumerable.Range(0, 8).Select(i => RoomShards.ShardOf($"!r{i}:x", 4)), Is.EqualTo(new[] { 0, 0, 1, 2, 3, 2, 2, 3 }));
    }

    [Test]
    public void Malformed_json_is_refused() =>
        Assert.That(Assert.Throws<TopologyException>(() => ClusterTopology.Parse("{ not json", "/tmp", "t.json"))!.Message, Does.Contain("t.json"));

    [Test]
    public void Unknown_fields_are_refused()
    {
        var file = Valid();
        file["stream_writer"] = "typo";
        Assert.That(Refusal(file), Does.Contain("stream_writer"));
    }

    [Test]
    public void A_missing_secret_is_refused()
    {
        var file = Valid();
        file.Remove("cluster_secret");
        Assert.That(Refusal(file), Does.Contain("cluster_secret"));
    }

    [Test]
    public void A_short_secret_is_refused()
    {
        var file = Valid();
        file["cluster_secret"] = "short";
        Assert.That(Refusal(file), Does.Contain("at least 32"));
    }

    [Test]
    public void Duplicate_instance_names_are_refused()
    {
        var file = Valid();
        file["instances"]![2]!["name"] = "persister-a";
        Assert.That(Refusal(file), Does.Contain("two instances are named 'persister-a'"));
    }

    [Test]
    public void Unknown_roles_are_refused()
    {
        var file = Valid();
        file["instances"]![3]!["roles"] = new JsonArray("sync_reader", "client_reader", "event_creator", "stream_writer", "pusher");
        Assert.That(Refusal(file), Does.Contain("unknown role 'pusher'"));
    }

    [Test]
    public void Two_instances_on_one_address_are_refused()
    {
        var file = Valid();
        file["instances"]![3]!["internal"] = "127.0.0.1:9101";
        Assert.That(Refusal(file), Does.Contain("127.0.0.1:9101"));
    }

    [Test]
    public void An_address_without_a_port_is_refused()
    {
        var file = Valid();
        file["instances"]![3]!["listen"] = "127.0.0.1";
        Assert.That(Refusal(file), Does.Contain("'worker': 'listen'"));
    }

    [Test]
    public void Shards_with_a_gap_are_refused()
    {
        var file = Valid();
        file["instances"]![1]!["shard"] = 2;
        Assert.That(Refusal(file), Does.Contain("numbered 0 to 1"));
    }

    [Test]
    public void A_persister_without_a_shard_is_refused()
    {
        var file = Valid();
        file["instances"]![1]!.AsObject().Remove("shard");
        Assert.That(Refusal(file), Does.Contain("needs a 'shard'"));
    }

    [Test]
    public void A_shard_on_another_role_is_refused()
    {
        var file = Valid();
        file["instances"]![3]!["shard"] = 0;
        Assert.That(Refusal(file), Does.Contain("not an event persister"));
    }

    [Test]
    public void A_stream_without_a_writer_is_refused()
    {
        var file = Valid();
        file["stream_writers"]!.AsObject().Remove("receipts");
        Assert.That(Refusal(file), Does.Contain("stream_writers.receipts is missing"));
    }

    [Test]
    public void A_stream_writer_without_the_role_is_refused()
    {
        var file = Valid();
        file["stream_writers"]!["typing"] = "persister-a";
        Assert.That(Refusal(file), Does.Contain("does not have the role 'stream_writer'"));
    }

    [Test]
    public void A_stream_writer_that_is_not_an_instance_is_refused()
    {
        var file = Valid();
        file["stream_writers"]!["typing"] = "nobody";
        Assert.That(Refusal(file), Does.Contain("'nobody', which is not an instance"));
    }

    [Test]
    public void Two_main_instances_are_refused()
    {
        var file = Valid();
        file["instances"]![3]!["roles"] = new JsonArray("main");
        Assert.That(Refusal(file), Does.Contain("exactly one instance must have the role 'main'"));
    }

    [Test]
    public void A_topology_without_sync_readers_is_refused()
    {
        var file = Valid();
        file["instances"]![3]!["roles"] = new JsonArray("client_reader", "event_creator", "stream_writer");
        Assert.That(Refusal(file), Does.Contain("'sync_reader'"));
    }

    [Test]
    public void A_federation_sender_without_the_role_is_refused()
    {
        var file = Valid();
        file["federation_senders"] = new JsonArray("worker");
        Assert.That(Refusal(file), Does.Contain("federation_senders names 'worker'"));
    }

    [Test]
    public void A_federation_sender_instance_missing_from_federation_senders_is_refused()
    {
        var file = Valid();
        file["instances"]!.AsArray().Add(JsonNode.Parse(
            """{ "name": "sender-1", "roles": ["federation_sender"], "listen": "127.0.0.1:8121", "internal": "127.0.0.1:9121" }"""));
        Assert.That(Refusal(file), Does.Contain("instance 'sender-1' has the role 'federation_sender' but federation_senders does not list it"));
    }

    [Test]
    public void Every_destination_maps_to_the_same_federation_sender_and_destinations_spread_over_senders()
    {
        var file = Valid();
        file["instances"]!.AsArray().Add(JsonNode.Parse(
            """{ "name": "sender-1", "roles": ["federation_sender"], "listen": "127.0.0.1:8121", "internal": "127.0.0.1:9121" }"""));
        file["instances"]!.AsArray().Add(JsonNode.Parse(
            """{ "name": "sender-2", "roles": ["federation_sender"], "listen": "127.0.0.1:8122", "internal": "127.0.0.1:9122" }"""));
        file["federation_senders"] = new JsonArray("sender-1", "sender-2");
        var topology = Parse(file);
        var owners = Enumerable.Range(0, 200).Select(i => topology.FederationSenderOf($"server{i}.example.org")).ToList();
        Assert.That(owners, Is.EqualTo(Enumerable.Range(0, 200).Select(i => topology.FederationSenderOf($"server{i}.example.org"))));
        Assert.That(owners.Count(o => o == "sender-1"), Is.InRange(70, 130));
    }

    [Test]
    public void Inbound_pdus_of_a_room_are_processed_by_one_federation_reader_and_rooms_spread_over_them()
    {
        var file = Valid();
        var instances = file["instances"]!.AsArray();
        instances.Add(JsonNode.Parse("""{ "name": "fed-1", "roles": ["federation_reader"], "listen": "127.0.0.1:8131", "internal": "127.0.0.1:9131" }"""));
        instances.Add(JsonNode.Parse("""{ "name": "fed-2", "roles": ["federation_reader"], "listen": "127.0.0.1:8132", "internal": "127.0.0.1:9132" }"""));
        var topology = Parse(file);
        var owners = Enumerable.Range(0, 200).Select(i => topology.InboundPduProcessorOf($"!room{i}:example.org")).ToList();
        Assert.That(owners, Is.EqualTo(Enumerable.Range(0, 200).Select(i => topology.InboundPduProcessorOf($"!room{i}:example.org"))));
        Assert.That(owners.Count(o => o == "fed-1"), Is.InRange(70, 130));
        Assert.That(owners, Has.All.AnyOf("fed-1", "fed-2"));
    }

    [Test]
    public void A_topology_without_federation_readers_has_no_inbound_pdu_processor() =>
        Assert.That(Parse(Valid()).InboundPduProcessorOf("!room:example.org"), Is.Null);

    [Test]
    public void A_topology_without_federation_senders_has_no_sender_for_any_destination() =>
        Assert.That(Parse(Valid()).FederationSenderOf("example.org"), Is.Null);

    [Test]
    public void A_missing_router_is_refused()
    {
        var file = Valid();
        file.Remove("router");
        Assert.That(Refusal(file), Does.Contain("'router' is required"));
    }

    [Test]
    public void An_unreadable_secret_file_is_refused()
    {
        var file = Valid();
        file.Remove("cluster_secret");
        file["cluster_secret_file"] = "no-such-secret-file";
        Assert.That(Refusal(file), Does.Contain("cannot read cluster_secret_file"));
    }
}
