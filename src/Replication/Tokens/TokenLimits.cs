namespace Cluster.Replication.Tokens;

public static class TokenLimits
{
    /// <summary>
    /// The longest token text any parser reads. A /sync token in which every stream has sixteen writers (IDs
    /// below 1000) ahead of the minimum, all at 19-digit positions, still fits; anything longer is forged, and
    /// refusing it up front bounds the work one request can cause.
    /// </summary>
    public const int MaxLength = 4096;
}
