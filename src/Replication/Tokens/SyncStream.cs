namespace Cluster.Replication.Tokens;

/// <summary>
/// The streams a /sync token records, numbered in the order their fields appear in the token. The order is
/// part of the token format: new streams are only ever appended, so tokens minted before a stream existed
/// still parse (the missing trailing fields read as position 0). Cache invalidation is deliberately absent:
/// clients never see it, so it has no place in a client's token.
/// </summary>
public enum SyncStream
{
    /// <summary>Room events (timelines, state, membership); the field is a live room stream token.</summary>
    Events = 0,
    AccountData = 1,
    Receipts = 2,
    ToDevice = 3,
    Typing = 4,
    Presence = 5,
    DeviceLists = 6,
    PushRules = 7,
}

public static class SyncStreams
{
    /// <summary>How many fields a /sync token minted today has.</summary>
    public const int Count = 8;

    /// <summary>A field's name for error messages; fields beyond today's are named by number.</summary>
    public static string Describe(int field) => field switch
    {
        (int)SyncStream.Events => "events",
        (int)SyncStream.AccountData => "account data",
        (int)SyncStream.Receipts => "receipts",
        (int)SyncStream.ToDevice => "to-device",
        (int)SyncStream.Typing => "typing",
        (int)SyncStream.Presence => "presence",
        (int)SyncStream.DeviceLists => "device lists",
        (int)SyncStream.PushRules => "push rules",
        _ => $"#{field + 1}",
    };
}
