using Cluster.Shared.Push;

namespace Cluster.Shared.Tests.Push;

/// <summary>Dot-separated property paths (spec appendix).</summary>
public class PropertyPathTests
{
    [TestCase("content.body", new[] { "content", "body" })]
    [TestCase(@"content.m\.relates_to.rel_type", new[] { "content", "m.relates_to", "rel_type" })]
    [TestCase(@"content.m\\foo", new[] { "content", @"m\foo" })]
    [TestCase(@"content.m\xfoo", new[] { "content", @"m\xfoo" })]
    [TestCase("type", new[] { "type" })]
    public void Paths_split_on_unescaped_dots(string path, string[] segments) =>
        Assert.That(PropertyPath.Split(path), Is.EqualTo(segments));
}
