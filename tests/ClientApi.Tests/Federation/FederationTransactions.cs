using System.Text.Json.Nodes;

namespace Cluster.ClientApi.Tests.Federation;

/// <summary>The body of a <c>/send</c> transaction as its origin server sends it, and IDs for one.</summary>
public static class FederationTransactions
{
    /// <summary>A transaction of <paramref name="origin"/>'s, stamped now: the PDUs (copied) and, when given, EDUs.</summary>
    public static JsonObject From(string origin, IEnumerable<RemoteEvent> pdus, IEnumerable<JsonNode>? edus = null)
    {
        var transaction = new JsonObject
        {
            ["origin"] = origin,
            ["origin_server_ts"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["pdus"] = new JsonArray([.. pdus.Select(p => (JsonNode?)p.Pdu.Json.DeepClone())]),
        };
        if (edus is not null)
            transaction["edus"] = new JsonArray([.. edus]);
        return transaction;
    }

    /// <summary>A transaction ID no other transaction uses: the receiver would take a repeat for a retry.</summary>
    public static string NewId() => "txn" + Guid.NewGuid().ToString("N");
}
