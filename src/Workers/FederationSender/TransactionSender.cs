using System.Text.Json.Nodes;
using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Identifiers;
using Microsoft.Extensions.Options;

namespace Cluster.Workers.FederationSender;

/// <summary>A PDU as the events table holds it: the canonical JSON this server signed.</summary>
public sealed record OutboundPdu(string EventId, byte[] Json);

/// <summary>An EDU: its type and content. The content is shared by every destination it goes to: never modified.</summary>
public sealed record OutboundEdu(string EduType, JsonObject Content);

/// <summary>One /send transaction: its ID (the same on every retry), its PDUs in order, and its EDUs.</summary>
public sealed record OutboundTransaction(string Destination, string TxnId, IReadOnlyList<OutboundPdu> Pdus, IReadOnlyList<OutboundEdu> Edus)
{
    public bool IsEmpty => Pdus.Count == 0 && Edus.Count == 0;
}

public enum TransactionOutcome
{
    /// <summary>The destination answered 2xx: it has the transaction.</summary>
    Delivered,

    /// <summary>The destination refused the transaction itself (4xx other than 429): sending it again would not help.</summary>
    Rejected,

    /// <summary>No answer, a timeout, 5xx or 429: the same transaction is to be retried later.</summary>
    Failed,
}

/// <summary>
/// Sends one transaction (<c>PUT /_matrix/federation/v1/send/{txnId}</c>) through the signed
/// federation client and says what became of it.
/// </summary>
public sealed class TransactionSender(
    FederationClient client, IOptions<ClusterOptions> cluster, TimeProvider clock, ILogger<TransactionSender> logger)
{
    public async Task<TransactionOutcome> SendAsync(OutboundTransaction transaction, CancellationToken cancellationToken)
    {
        if (!ServerName.TryParse(transaction.Destination, out var destination, out _))
        {
            logger.LogWarning("Not sending transaction {TxnId}: {Destination} is not a server name", transaction.TxnId, transaction.Destination);
            return TransactionOutcome.Rejected;
        }
        var pdus = new JsonArray();
        foreach (var pdu in transaction.Pdus)
            pdus.Add(JsonNode.Parse(pdu.Json));
        var body = new JsonObject
        {
            ["origin"] = cluster.Value.ServerName,
            ["origin_server_ts"] = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            ["pdus"] = pdus,
        };
        if (transaction.Edus.Count > 0)
            body["edus"] = new JsonArray([.. transaction.Edus.Select(e => (JsonNode)new JsonObject
            {
                ["edu_type"] = e.EduType,
                ["content"] = e.Content.DeepClone(),
            })]);
        FederationResponse response;
        try
        {
            response = await client.SendAsync(destination, HttpMethod.Put,
                "/_matrix/federation/v1/send/" + Uri.EscapeDataString(transaction.TxnId), body, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Transaction {TxnId} to {Destination} failed: {Reason}", transaction.TxnId, transaction.Destination, e.Message);
            return TransactionOutcome.Failed;
        }
        if (response.IsSuccess)
        {
            LogRefusedPdus(transaction, response.Body);
            return TransactionOutcome.Delivered;
        }
        var errcode = response.Body?["errcode"] is JsonValue code && code.TryGetValue<string>(out var text) ? text : null;
        if (response.Status is >= 400 and < 500 && response.Status != 429)
        {
            logger.LogWarning("{Destination} refused transaction {TxnId} of {Count} PDUs and {EduCount} EDUs with {Status} {Errcode}; dropping it",
                transaction.Destination, transaction.TxnId, transaction.Pdus.Count, transaction.Edus.Count, response.Status, errcode);
            return TransactionOutcome.Rejected;
        }
        logger.LogInformation("Transaction {TxnId} to {Destination} answered {Status} {Errcode}; will retry",
            transaction.TxnId, transaction.Destination, response.Status, errcode);
        return TransactionOutcome.Failed;
    }

    // The destination took the transaction but may refuse single PDUs (its auth checks); those
    // are its decision and are not sent again.
    private void LogRefusedPdus(OutboundTransaction transaction, JsonNode? body)
    {
        if (body?["pdus"] is not JsonObject results)
            return;
        foreach (var (eventId, result) in results)
            if (result is JsonObject { } outcome && outcome["error"] is { } error)
                logger.LogInformation("{Destination} did not accept {EventId} of transaction {TxnId}: {Error}",
                    transaction.Destination, eventId, transaction.TxnId, error.ToJsonString());
    }
}
