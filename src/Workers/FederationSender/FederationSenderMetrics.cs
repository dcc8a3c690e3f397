using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Workers.FederationSender;

/// <summary>
/// <c>cluster.federation.sender.pdus</c>: PDUs of the transactions this process sent, by outcome:
/// <c>delivered</c> (the destination answered 2xx), <c>rejected</c> (4xx: dropped, not retried) and
/// <c>retried</c> (no answer, 5xx or 429: the same transaction goes again after a back-off).
/// <c>cluster.federation.sender.edus</c>: the same for EDUs, except that a failed attempt's EDUs
/// are dropped rather than sent again.
/// </summary>
internal static class FederationSenderMetrics
{
    public const string PdusName = "cluster.federation.sender.pdus";

    private static readonly Counter<long> Pdus = ClusterDiagnostics.Meter.CreateCounter<long>(
        PdusName, "{pdu}", "PDUs in federation transactions this process sent, by the outcome of the attempt.");

    public const string EdusName = "cluster.federation.sender.edus";

    private static readonly Counter<long> Edus = ClusterDiagnostics.Meter.CreateCounter<long>(
        EdusName, "{edu}", "EDUs in federation transactions this process sent, by the outcome of the attempt (a failed attempt drops its EDUs).");

    private static readonly KeyValuePair<string, object?> Delivered = new("outcome", "delivered");
    private static readonly KeyValuePair<string, object?> Rejected = new("outcome", "rejected");
    private static readonly KeyValuePair<string, object?> Retried = new("outcome", "retried");

    public static void Record(TransactionOutcome outcome, int pdus, int edus)
    {
        var tag = outcome switch
        {
            TransactionOutcome.Delivered => Delivered,
            TransactionOutcome.Rejected => Rejected,
            _ => Retried,
        };
        if (pdus > 0)
            Pdus.Add(pdus, tag);
        if (edus > 0)
            Edus.Add(edus, tag);
    }
}
