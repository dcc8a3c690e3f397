namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// Settings of the section <c>Cluster:Federation:InboundRetry</c>: how an inbound PDU that got no
/// verdict yet (its signers' keys or its auth events could not be had) is tried again.
/// </summary>
public sealed class InboundPduRetryOptions
{
    public const string Section = "Cluster:Federation:InboundRetry";

    /// <summary>
    /// The wait before the second attempt; it doubles with each attempt after. The default matches
    /// the key ring's re-fetch back-off, so the second attempt can fetch the keys again.
    /// </summary>
    public TimeSpan FirstDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Attempts in all, the first included. The last one gives the verdict with what it has: a PDU
    /// whose keys are still missing is dropped, one whose auth events are still missing is rejected.
    /// </summary>
    public int MaxAttempts { get; set; } = 5;
}
