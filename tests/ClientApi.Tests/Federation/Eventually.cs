namespace Cluster.ClientApi.Tests.Federation;

/// <summary>Waits for what happens in the background: polls a condition until it holds, failing the test when it does not in time.</summary>
internal static class Eventually
{
    public static async Task That(Func<bool> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Not true within {within.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    public static async Task That(Func<Task<bool>> condition, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Not true within {within.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
