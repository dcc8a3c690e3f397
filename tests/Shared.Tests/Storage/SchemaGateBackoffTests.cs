using Cluster.Shared.Storage;

namespace Cluster.Shared.Tests.Storage;

public class SchemaGateBackoffTests
{
    [Test]
    public void DelaysDoubleUpToTheMaximumAndStayThere()
    {
        var backoff = new SchemaGateBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1000));

        var delays = new List<double>();
        var delay = backoff.Initial;
        for (var i = 0; i < 7; i++)
        {
            delays.Add(delay.TotalMilliseconds);
            delay = backoff.After(delay);
        }

        Assert.That(delays, Is.EqualTo(new[] { 100, 200, 400, 800, 1000, 1000, 1000 }));
    }
}
