using Cluster.Router.Affinity;
using Cluster.Router.Health;
using Cluster.Router.Routing;
using Cluster.Shared.Configuration.Topology;

namespace Cluster.Router.Tests.Routing;

/// <summary>The routes and clusters generated from a topology, without starting anything.</summary>
public class ProxyConfigBuilderTests
{
    private static ClusterTopology Topology(bool withFederationReader = false) => ClusterTopology.Parse($$"""
        {
          "cluster_secret": "{{new string('s', 40)}}",
          "instances": [
            { "name": "main", "roles": ["main"], "listen": "127.0.0.1:18080", "internal": "127.0.0.1:19080" },
            { "name": "persister-1", "roles": ["event_persister"], "shard": 0, "listen": "127.0.0.1:18101", "internal": "127.0.0.1:19101" },
            { "name": "sync-1", "roles": ["sync_reader"], "listen": "127.0.0.1:18111", "internal": "127.0.0.1:19111" },
            { "name": "sync-2", "roles": ["sync_reader"], "listen": "127.0.0.1:18112", "internal": "127.0.0.1:19112" },
            { "name": "reader-1", "roles": ["client_reader", "event_creator"], "listen": "127.0.0.1:18121", "internal": "127.0.0.1:19121" },
            { "name": "writer-1", "roles": ["stream_writer"], "listen": "127.0.0.1:18141", "internal": "127.0.0.1:19141" },
            { "name": "writer-2", "roles": ["stream_writer"], "listen": "127.0.0.1:18142", "internal": "127.0.0.1:19142" }
            {{(withFederationReader ? """, { "name": "fed-1", "roles": ["federation_reader"], "listen": "127.0.0.1:18151", "internal": "127.0.0.1:19151" }""" : "")}}
          ],
          "stream_writers": { "typing": "writer-1", "receipts": "writer-1", "to_device": "writer-2",
                              "account_data": "writer-2", "presence": "writer-2", "push_rules": "writer-2" },
          "router": { "listen": "127.0.0.1:18008", "health_check_interval_seconds": 3 }
        }
        """, Path.GetTempPath());

    [Test]
    public void Destinations_are_the_listen_addresses_never_the_internal_ones()
    {
        var config = ProxyConfigBuilder.Build(Topology());

        var addresses = config.Clusters.SelectMany(c => c.Destinations!.Values).Select(d => new Uri(d.Address).Port).ToList();

        Assert.That(addresses, Is.Not.Empty);
        Assert.That(addresses, Has.All.InRange(18000, 18999));
        Assert.That(config.Clusters.SelectMany(c => c.Destinations!.Values).Select(d => d.Health), Has.All.Null);
    }

    [Test]
    public void Every_client_rule_is_routed_under_v3_and_r0()
    {
        var paths = ProxyConfigBuilder.Build(Topology()).Routes.Select(r => r.Match.Path).ToHashSet();

        foreach (var rule in RoutingTable.Rules.Where(r => r.ClientApi))
        {
            Assert.That(paths, Does.Contain($"/_matrix/client/v3/{rule.Path}"));
            Assert.That(paths, Does.Contain($"/_matrix/client/r0/{rule.Path}"));
        }
    }

    [Test]
    public void Stream_writers_are_clustered_by_instance()
    {
        var config = ProxyConfigBuilder.Build(Topology());

        var writers = config.Clusters.Where(c => c.ClusterId.StartsWith("instance:", StringComparison.Ordinal)).ToList();

        Assert.That(writers.Select(c => c.ClusterId), Is.EquivalentTo(new[] { "instance:writer-1", "instance:writer-2" }));
        Assert.That(writers.Select(c => c.Destinations!.Keys.Single()), Is.EquivalentTo(new[] { "writer-1", "writer-2" }));
    }

    [Test]
    public void Instance_with_two_roles_is_a_destination_of_both()
    {
        var clusters = ProxyConfigBuilder.Build(Topology()).Clusters.ToDictionary(c => c.ClusterId);

        Assert.That(clusters["role:client_reader"].Destinations!.Keys, Is.EquivalentTo(new[] { "reader-1" }));
        Assert.That(clusters["role:event_creator"].Destinations!.Keys, Is.EquivalentTo(new[] { "reader-1" }));
    }

    [Test]
    public void Federation_routes_exist_only_with_a_federation_reader()
    {
        static bool HasFederation(ProxyConfig config) => config.Routes.Any(r => r.Match.Path!.StartsWith("/_matrix/federation", StringComparison.Ordinal));

        Assert.That(HasFederation(ProxyConfigBuilder.Build(Topology())), Is.False);
        Assert.That(HasFederation(ProxyConfigBuilder.Build(Topology(withFederationReader: true))), Is.True);
    }

    [Test]
    public void Sync_readers_are_pinned_by_user_with_a_long_poll_timeout()
    {
        var sync = ProxyConfigBuilder.Build(Topology()).Clusters.Single(c => c.ClusterId == "role:sync_reader:by-user");

        Assert.That(sync.LoadBalancingPolicy, Is.EqualTo(UserAffinityPolicy.Name));
        Assert.That(sync.HttpRequest!.ActivityTimeout, Is.GreaterThan(TimeSpan.FromMinutes(3)));
        Assert.That(sync.Destinations!.Keys, Is.EquivalentTo(new[] { "sync-1", "sync-2" }));
    }

    [Test]
    public void Health_checks_probe_health_at_the_topology_interval_with_passive_ejection()
    {
        foreach (var cluster in ProxyConfigBuilder.Build(Topology()).Clusters)
        {
            Assert.That(cluster.HealthCheck!.Active!.Enabled, Is.True);
            Assert.That(cluster.HealthCheck.Active.Path, Is.EqualTo("/health"));
            Assert.That(cluster.HealthCheck.Active.Interval, Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(cluster.HealthCheck.Passive!.Policy, Is.EqualTo(ConnectFailurePolicy.Name));
        }
    }

    [Test]
    public void Route_ids_are_unique()
    {
        var ids = ProxyConfigBuilder.Build(Topology()).Routes.Select(r => r.RouteId).ToList();

        Assert.That(ids, Is.Unique);
    }

    [Test]
    public void A_path_of_the_table_with_methods_also_takes_its_other_methods_to_the_same_role()
    {
        var routes = ProxyConfigBuilder.Build(Topology()).Routes
            .Where(r => r.Match.Path == "/_matrix/client/v3/rooms/{roomId}/send/{eventType}/{txnId}").ToList();

        Assert.That(routes.Select(r => r.Match.Methods?.Count ?? 0), Is.EquivalentTo(new[] { 1, 0 }));
        Assert.That(routes.Select(r => r.ClusterId).Distinct(), Is.EquivalentTo(new[] { "role:event_creator" }));
        var anyMethod = routes.Single(r => r.Match.Methods is null).Order!.Value;
        var put = routes.Single(r => r.Match.Methods is not null).Order!.Value;
        Assert.That(anyMethod, Is.GreaterThan(put));
    }
}
