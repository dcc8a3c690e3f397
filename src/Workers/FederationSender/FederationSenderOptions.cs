namespace Cluster.Workers.FederationSender;

/// <summary>Settings of the section <c>Cluster:Federation:Sender</c>.</summary>
public sealed class FederationSenderOptions
{
    public const string Section = "Cluster:Federation:Sender";

    /// <summary>The spec's limit on PDUs in one transaction.</summary>
    public const int MaxPdusPerTransaction = 50;

    /// <summary>The spec's limit on EDUs in one transaction.</summary>
    public const int MaxEdusPerTransaction = 100;

    /// <summary>
    /// EDUs kept for one destination while it is busy; past it the oldest are dropped (they are
    /// ephemeral: a typing notice or receipt that old is stale anyway).
    /// </summary>
    public const int MaxWaitingEdus = 1000;

    /// <summary>The wait after a destination's first failure; it doubles with each failure in a row.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts at a failing destination.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromDays(1);
}
