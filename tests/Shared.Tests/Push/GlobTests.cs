using System.Diagnostics;
using Cluster.Shared.Push;

namespace Cluster.Shared.Tests.Push;

/// <summary>Glob-style matching (spec appendix) as push rules use it.</summary>
public class GlobTests
{
    [TestCase("cake", "cake", true)]
    [TestCase("cake", "CAKE", true)]
    [TestCase("c?ke", "coke", true)]
    [TestCase("c?ke", "cke", false)]
    [TestCase("*", "", true)]
    [TestCase("a.b", "axb", false)]
    [TestCase("(x)[y]", "(x)[y]", true)]
    [TestCase("line", "line\n", false)]
    public void Whole_value_matching(string pattern, string value, bool expected) =>
        Assert.That(Glob.Matches(pattern, value), Is.EqualTo(expected));

    [TestCase("cake*lie", "the cake is a lie!", true)]
    [TestCase("cake", "cupcakes", false)]
    [TestCase("@room", "hello @room", true)]
    [TestCase("@room", "x@room", false)]
    [TestCase("alice", "alice_bob", false)]
    public void Word_matching(string pattern, string value, bool expected) =>
        Assert.That(Glob.MatchesWords(pattern, value), Is.EqualTo(expected));

    [Test]
    public void A_pathological_pattern_runs_in_linear_time()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 30)) + "*b";
        var value = new string('a', 20_000);
        var watch = Stopwatch.StartNew();

        var matched = Glob.MatchesWords(pattern, value) || Glob.Matches(pattern, value);

        Assert.That(matched, Is.False);
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
    }
}
