using System.Text.Json.Nodes;
using Cluster.ClientApi.Tests.Fixtures;
using Cluster.ClientApi.Tests.Rooms;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>
/// A test class with two federating servers of its own on loopback, A and B, started before its
/// tests and stopped after them, and Alice, a user of A. Override <see cref="SettingsOfA"/> and
/// <see cref="SettingsOfB"/> for the options a class changes, <see cref="HostOfB"/> to name B
/// <c>localhost:PORT</c>, and <see cref="OnStartedAsync"/> to set up what the tests share.
/// </summary>
[SingleProcessOnly(FederatedServers.SingleProcessReason)]
public abstract class TwoServerFixture
{
    protected Homeserver A { get; private set; } = null!;
    protected Homeserver B { get; private set; } = null!;

    /// <summary>A user of A, registered once the servers are up.</summary>
    protected TestUser Alice { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string>? SettingsOfA => null;

    protected virtual IReadOnlyDictionary<string, string>? SettingsOfB => null;

    /// <summary>
    /// The host part of B's name: <c>localhost</c> lets an ACL deny B by name without denying A
    /// (<c>127.0.0.1:PORT</c>; ports are not part of ACL matching).
    /// </summary>
    protected virtual string HostOfB => "127.0.0.1";

    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    [OneTimeSetUp]
    public async Task StartServers()
    {
        A = await FederatedServers.StartAsync(SettingsOfA);
        B = await FederatedServers.StartAsync(SettingsOfB, HostOfB);
        Alice = await A.RegisterUserAsync();
        await OnStartedAsync();
    }

    [OneTimeTearDown]
    public async Task StopServers()
    {
        // A failed start leaves the server after it unset.
        if (A is not null) await A.DisposeAsync();
        if (B is not null) await B.DisposeAsync();
    }

    /// <summary>A user ID of B's (not registered: A only sees the name).</summary>
    protected string UserOfB(string localpart) => $"@{localpart}:{B.ServerName}";

    /// <summary>B's request to A, signed by B's federation client as any request between the two.</summary>
    protected Task<FederationResponse> FromBAsync(HttpMethod method, string path, JsonObject? body = null) =>
        B.Service<FederationClient>().SendAsync(ServerName.Parse(A.ServerName), method, path, body, CancellationToken.None);

    /// <summary>B's GET to A, or POST when there is a body.</summary>
    protected Task<FederationResponse> FromBAsync(string path, JsonObject? body = null) =>
        FromBAsync(body is null ? HttpMethod.Get : HttpMethod.Post, path, body);

    /// <summary>B's <c>/send</c> of <paramref name="transaction"/> to A, under a new transaction ID.</summary>
    protected Task<FederationResponse> SendTransactionFromBAsync(JsonObject transaction) =>
        SendTransactionFromBAsync(FederationTransactions.NewId(), transaction);

    /// <summary>B's <c>/send</c> of <paramref name="transaction"/> to A under <paramref name="txnId"/> (a retry repeats one).</summary>
    protected Task<FederationResponse> SendTransactionFromBAsync(string txnId, JsonObject transaction) =>
        FromBAsync(HttpMethod.Put, $"/_matrix/federation/v1/send/{txnId}", transaction);

    /// <summary>A transaction of B's carrying <paramref name="pdus"/>.</summary>
    protected JsonObject TransactionOfB(params RemoteEvent[] pdus) => FederationTransactions.From(B.ServerName, pdus);

    /// <summary>Fails the test, with the body, unless A answered B with <paramref name="status"/> and <paramref name="errcode"/>.</summary>
    protected static void ExpectError(FederationResponse response, int status, string errcode)
    {
        Assert.That(response.Status, Is.EqualTo(status), response.Body?.ToJsonString());
        Assert.That(response.Body?["errcode"]?.GetValue<string>(), Is.EqualTo(errcode));
    }

    protected static string Esc(string value) => Uri.EscapeDataString(value);
}
