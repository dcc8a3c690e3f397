using Cluster.Workers.FederationSender;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>The federation sender's back-off between attempts at a failing destination.</summary>
public class RetryBackoffTests
{
    private static readonly RetryBackoff Backoff = new(TimeSpan.FromSeconds(5), TimeSpan.FromDays(1));

    [Test]
    public void The_delay_doubles_with_each_failure_in_a_row() =>
        Assert.That(Enumerable.Range(1, 4).Select(n => Backoff.DelayAfter(n, 0.5)),
            Is.EqualTo(new[] { 5, 10, 20, 40 }.Select(s => TimeSpan.FromSeconds(s))));

    [Test]
    public void The_delay_stops_growing_at_the_maximum() =>
        Assert.That(Backoff.DelayAfter(1000, 0.5), Is.EqualTo(TimeSpan.FromDays(1)));

    [Test]
    public void Jitter_keeps_the_delay_within_a_fifth_of_the_exponential_value()
    {
        Assert.That(Backoff.DelayAfter(3, 0.0), Is.EqualTo(TimeSpan.FromSeconds(16)));
        Assert.That(Backoff.DelayAfter(3, 0.999999), Is.EqualTo(TimeSpan.FromSeconds(24)).Within(TimeSpan.FromMilliseconds(1)));
    }

    [Test]
    public void Jitter_never_goes_below_the_minimum_or_above_the_maximum()
    {
        Assert.That(Backoff.DelayAfter(1, 0.0), Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(Backoff.DelayAfter(60, 0.999999), Is.EqualTo(TimeSpan.FromDays(1)));
    }

    [Test]
    public void A_maximum_below_the_minimum_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RetryBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1)));
}
