namespace Cluster.Shared.Http.RateLimiting;

/// <summary>
/// A class of requests sharing one limit, with the default rate it gets when the configuration
/// says nothing (<c>Cluster:RateLimits:{Name}:PerSecond</c> and <c>:Burst</c>). Define new ones
/// as static fields beside these.
/// </summary>
public sealed record RateLimitAction(string Name, double DefaultPerSecond, int DefaultBurst)
{
    /// <summary>Registration and its probes (availability, token validity, admin registration), per IP address.</summary>
    public static readonly RateLimitAction Registration = new("Registration", DefaultPerSecond: 1, DefaultBurst: 100);

    /// <summary>Login attempts, per IP address and per account tried.</summary>
    public static readonly RateLimitAction Login = new("Login", DefaultPerSecond: 2, DefaultBurst: 100);

    /// <summary>Sending events, per user.</summary>
    public static readonly RateLimitAction Message = new("Message", DefaultPerSecond: 10, DefaultBurst: 200);
}
