using System.Diagnostics.Metrics;
using Cluster.Shared.Hosting;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// <c>cluster.federation.reader.pdus</c>: PDUs this process took from other servers' transactions,
/// each transaction once (a retried transaction adds nothing). Summed over a cluster's federation
/// readers it is what other servers sent here, so an echo or an amplification shows as more PDUs
/// than the other servers created.
/// </summary>
internal static class InboundPduMetrics
{
    public const string TakenName = "cluster.federation.reader.pdus";

    private static readonly Counter<long> Taken = ClusterDiagnostics.Meter.CreateCounter<long>(
        TakenName, "{pdu}", "PDUs taken from other servers' transactions (each transaction once).");

    public static void RecordTaken(int count)
    {
        if (count > 0)
            Taken.Add(count);
    }
}
