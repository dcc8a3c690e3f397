namespace Cluster.Shared.Federation;

/// <summary>Settings of the section <c>Cluster:Federation</c>.</summary>
public sealed class FederationOptions
{
    public const string Section = "Cluster:Federation";

    /// <summary>
    /// Development only: talk to other servers over plain HTTP instead of HTTPS (discovery,
    /// keys, requests), so that servers on loopback without certificates federate. Never in
    /// production: requests and keys would travel unauthenticated by TLS.
    /// </summary>
    public bool AllowPlainHttp { get; set; }

    /// <summary>A PEM file of extra CA certificates trusted for outbound TLS besides the system's.</summary>
    public string? ExtraCaFile { get; set; }

    /// <summary>How long our published keys are valid (valid_until_ts); capped at 7 days, which is all the spec lets others use.</summary>
    public TimeSpan KeyValidity { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Time allowed for one outbound federation request, connection included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest response body accepted from another server.</summary>
    public int MaxResponseBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Time allowed for fetching a server's keys; callers (request authentication) wait that long at most.</summary>
    public TimeSpan KeyFetchTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest key response accepted: real ones are well under a kilobyte.</summary>
    public int MaxKeyResponseBytes { get; set; } = 64 * 1024;

    /// <summary>After a failed or useless key fetch, the same server is not asked again for this long.</summary>
    public TimeSpan KeyRefetchBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most servers one notary query may name.</summary>
    public int MaxNotaryServers { get; set; } = 50;

    /// <summary>Keys this server no longer signs with, published under old_verify_keys so that what they signed stays checkable.</summary>
    public List<Keys.OldVerifyKeyOptions> OldVerifyKeys { get; set; } = [];

    internal static readonly TimeSpan MaxKeyValidity = TimeSpan.FromDays(7);
}
