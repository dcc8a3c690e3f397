namespace Cluster.Workers.FederationSender;

/// <summary>Settings of the section <c>Cluster:Federation:Sender</c>.</summary>
public sealed class FederationSenderOptions
{
    public const string Section = "Cluster:Federation:Sender";

    /// <summary>The spec's limit on PDUs in one transaction.</summary>
    public const int MaxPdusPerTransaction = 50;

    /// <summary>The wait after a destination's first failure; it doubles with each failure in a row.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two attempts at a failing destination.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromDays(1);
}
