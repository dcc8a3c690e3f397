using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Auth;

/// <summary>
/// Who created the room, as the room version defines it: <c>content.creator</c> of the create event
/// (v1-v10), its sender (v11), or its sender plus <c>content.additional_creators</c> (v12, where all of
/// them have unlimited power).
/// </summary>
internal readonly struct RoomCreators
{
    private readonly JsonArray? _additional;

    public RoomCreators(Pdu create)
    {
        var version = create.Version;
        Primary = version.ImplicitRoomCreator ? create.Sender : Pdu.StringOf(create.Content[ContentKeys.Creator]);
        HaveUnlimitedPower = version.RoomIdFromCreateEvent;
        _additional = HaveUnlimitedPower ? create.Content[ContentKeys.AdditionalCreators] as JsonArray : null;
    }

    /// <summary>
    /// The creator who may join straight after the create event, and who has level 100 while
    /// the room has no power levels event (v1-v11). Null when a v1-v10 create event names none.
    /// </summary>
    public string? Primary { get; }

    /// <summary>v12: creators outrank every power level.</summary>
    public bool HaveUnlimitedPower { get; }

    public bool Contains(string userId)
    {
        if (userId == Primary) return true;
        if (_additional is null) return false;
        foreach (var item in _additional)
            if (Pdu.StringOf(item) == userId) return true;
        return false;
    }

    /// <summary>Every creator named, for checks that walk a list of users against them.</summary>
    public IEnumerable<string> All()
    {
        if (Primary is not null) yield return Primary;
        if (_additional is null) yield break;
        foreach (var item in _additional)
            if (Pdu.StringOf(item) is { } id) yield return id;
    }
}
