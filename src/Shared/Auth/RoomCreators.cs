using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.Auth;

/// <summary>
/// Who created the room, as the room version defines it: <c>content.creator</c> of the create event
/// (v1-v10), its sender (v11), or its sender plus <c>content.additional_creators</c> (v12, where all of
/// them have unlimited power). Without a create event (a caller that has none at hand) there are no creators.
/// </summary>
internal readonly struct RoomCreators(Pdu? create)
{
    /// <summary>v12: creators outrank every power level.</summary>
    public bool HaveUnlimitedPower => create?.Version.RoomIdFromCreateEvent == true;

    /// <summary>
    /// Whether <paramref name="userId"/> is the creator who may join straight after the create event and who
    /// has level 100 while the room has no power levels event (v1-v11): never an additional creator.
    /// </summary>
    public bool IsPrimary(string userId) =>
        create is not null
        && (create.Version.ImplicitRoomCreator ? create.Sender == userId : JsonText.Is(create.Content[ContentKeys.Creator], userId));

    public bool Contains(string userId)
    {
        if (IsPrimary(userId)) return true;
        if (!HaveUnlimitedPower || create!.Content[ContentKeys.AdditionalCreators] is not JsonArray additional) return false;
        foreach (var item in additional)
            if (JsonText.Is(item, userId)) return true;
        return false;
    }

    /// <summary>Every creator named, for checks that walk a list of users against them.</summary>
    public IEnumerable<string> All()
    {
        if (create is null) yield break;
        var primary = create.Version.ImplicitRoomCreator ? create.Sender : Pdu.StringOf(create.Content[ContentKeys.Creator]);
        if (primary is not null) yield return primary;
        if (!HaveUnlimitedPower || create.Content[ContentKeys.AdditionalCreators] is not JsonArray additional) yield break;
        foreach (var item in additional)
            if (Pdu.StringOf(item) is { } id) yield return id;
    }
}
