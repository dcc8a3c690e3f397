using Cluster.Router.Affinity;

namespace Cluster.Router.Tests.Affinity;

public class HashRingTests
{
    private static readonly string[] Keys = [.. Enumerable.Range(0, 20_000).Select(i => $"user:u{i}")];

    private static string[] Readers(int count) => [.. Enumerable.Range(1, count).Select(i => $"sync-reader-{i}")];

    private static Dictionary<string, string> Assign(HashRing ring) => Keys.ToDictionary(k => k, k => ring.Find(k)!);

    [Test]
    public void Same_key_goes_to_the_same_node_whatever_order_the_nodes_are_listed_in()
    {
        var a = new HashRing(["r1", "r2", "r3", "r4"]);
        var b = new HashRing(["r4", "r2", "r1", "r3"]);

        Assert.That(Keys.All(k => a.Find(k) == b.Find(k)), Is.True);
    }

    [Test]
    public void Keys_spread_close_to_evenly()
    {
        var counts = Assign(new HashRing(Readers(4))).Values.GroupBy(n => n).ToDictionary(g => g.Key, g => g.Count());

        Assert.That(counts.Keys, Has.Count.EqualTo(4));
        foreach (var (node, count) in counts)
            Assert.That(count / (double)Keys.Length, Is.InRange(0.18, 0.32), node);
    }

    [Test]
    public void Adding_a_node_moves_about_one_key_in_n_and_only_to_the_new_node()
    {
        var before = Assign(new HashRing(Readers(5)));
        var after = Assign(new HashRing(Readers(6)));

        var moved = Keys.Where(k => before[k] != after[k]).ToList();

        Assert.That(moved.Count / (double)Keys.Length, Is.InRange(1.0 / 6 - 0.05, 1.0 / 6 + 0.05));
        Assert.That(moved.All(k => after[k] == "sync-reader-6"), Is.True);
    }

    [Test]
    public void Keys_of_an_unusable_node_go_to_the_others_and_no_other_key_moves()
    {
        var ring = new HashRing(Readers(4));
        var before = Assign(ring);

        var after = Keys.ToDictionary(k => k, k => ring.Find(k, node => node != "sync-reader-2")!);

        foreach (var key in Keys)
        {
            if (before[key] == "sync-reader-2")
                Assert.That(after[key], Is.Not.EqualTo("sync-reader-2"));
            else
                Assert.That(after[key], Is.EqualTo(before[key]));
        }
        // The dead node's keys spread over the survivors rather than all landing on one.
        var heirs = Keys.Where(k => before[k] == "sync-reader-2").Select(k => after[k]).Distinct().Count();
        Assert.That(heirs, Is.EqualTo(3));
    }

    [Test]
    public void No_usable_node_is_null()
    {
        var ring = new HashRing(Readers(3));

        Assert.That(ring.Find("user:alice", _ => false), Is.Null);
    }

    [Test]
    public void Empty_ring_is_null()
    {
        Assert.That(new HashRing([]).Find("user:alice"), Is.Null);
    }

    [Test]
    public void Usable_predicate_is_asked_once_per_node_at_most()
    {
        var ring = new HashRing(Readers(3));
        var asked = new List<string>();

        ring.Find("user:alice", node => { asked.Add(node); return false; });

        Assert.That(asked, Is.Unique);
        Assert.That(asked, Has.Count.EqualTo(3));
    }
}
