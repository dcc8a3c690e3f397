using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// <c>cluster.federation.sender.pdus</c>: PDUs of the transactions this process sent, by outcome:
/// <c>delivered</c> (the destination answered 2xx), <c>rejected</c> (4xx: dropped, not retried) and
/// <c>retried</c> (no answer, 5xx or 429: the same transaction goes again after a back-off).
/// </summary>
internal static class FederationSenderMetrics
{
    public const string PdusName = "cluster.federation.sender.pdus";

    private static readonly Counter<long> Pdus = ClusterDiagnostics.Meter.CreateCounter<long>(
        PdusName, "{pdu}", "PDUs in federation transactions this process sent, by the outcome of the attempt.");

    private static readonly KeyValuePair<string, object?> Delivered = new("outcome", "delivered");
    private static readonly KeyValuePair<string, object?> Rejected = new("outcome", "rejected");
    private static readonly KeyValuePair<string, object?> Retried = new("outcome", "retried");

    public static void Record(TransactionOutcome outcome, int pdus) => Pdus.Add(pdus, outcome switch
    {
        TransactionOutcome.Delivered => Delivered,
        TransactionOutcome.Rejected => Rejected,
        _ => Retried,
    });
}
