using NUnit.Framework.Interfaces;
using NUnit.Framework.Internal;

namespace Cluster.ClientApi.Tests.Fixtures;

/// <summary>
/// Skips a test class (and the classes derived from it) or a test when the server under test is a
/// worker cluster, for the reason given: before its set-up starts anything, rather than from inside it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, Inherited = true)]
public sealed class SingleProcessOnlyAttribute(string why) : NUnitAttribute, IApplyToTest
{
    /// <summary>What the test does that only the single process allows, completing "this test …".</summary>
    public string Why { get; } = why;

    public void ApplyToTest(Test test)
    {
        if (!Homeserver.IsCluster || test.RunState == RunState.NotRunnable)
            return;
        test.RunState = RunState.Ignored;
        test.Properties.Set(PropertyNames.SkipReason, Homeserver.SkipAgainstCluster(Why).Message);
    }
}
