namespace Cluster.Replication.Streams.Events;

/// <summary>
/// What the events stream carries per event: enough for a /sync reader to know which rooms moved
/// and whose membership changed, without reading the database. <see cref="Membership"/> is set for
/// m.room.member events, whose target is <see cref="StateKey"/>.
/// </summary>
public sealed record EventStreamRow(string EventId, string RoomId, string Type, string? StateKey, string? Membership)
{
    public bool IsState => StateKey is not null;

    public bool IsMembership => Membership is not null;
}
