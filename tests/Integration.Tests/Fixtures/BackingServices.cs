namespace Cluster.Integration.Tests.Fixtures;

/// <summary>
/// The private PostgreSQL and Redis that ./deploy/test starts on loopback and passes in
/// through the same variables the server reads. Tests fail, not skip, without them:
/// an integration suite that silently runs nothing proves nothing.
/// </summary>
public static class BackingServices
{
    public static string Postgres => Required("Cluster__Postgres");
    public static string Redis => Required("Cluster__Redis");

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{name} is not set: run the tests with ./deploy/test, which starts PostgreSQL and Redis on loopback.");
}
