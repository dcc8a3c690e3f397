namespace Cluster.ClientApi.Tests.StreamsSupport;

/// <summary>Polls a condition that another part of the server makes true shortly (a follower applying a row, a timer).</summary>
public static class Eventually
{
    public static async Task<bool> TrueWithinAsync(TimeSpan timeout, Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
                return true;
            await Task.Delay(50);
        }
        return condition();
    }
}
