using Cluster.ClientApi.Tests.Fixtures;

/// <summary>Stops the shared clusters once every fixture of the assembly has run (outside any namespace, so it covers them all).</summary>
[SetUpFixture]
public sealed class SharedClustersTeardown
{
    [OneTimeTearDown]
    public Task StopSharedClusters() => SharedClusters.StopAllAsync();
}
