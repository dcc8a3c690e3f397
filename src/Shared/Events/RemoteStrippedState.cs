using System.Text.Json.Nodes;
using Cluster.Shared.Json;

namespace Cluster.Shared.Events;

/// <summary>
/// The stripped state another server gives with a membership (<c>invite_room_state</c> of an invite,
/// <c>knock_room_state</c> of a knock), kept in the event's unsigned section for the user's /sync.
/// What another server sends is shown, not trusted: only the fields clients see (type, state_key,
/// content, sender) of at most <see cref="MaxEvents"/> events, and never so much that the event
/// outgrows the size limit.
/// </summary>
public static class RemoteStrippedState
{
    /// <summary>Most stripped state events kept with a membership.</summary>
    public const int MaxEvents = 20;

    public const string InviteKey = "invite_room_state";
    public const string KnockKey = "knock_room_state";

    /// <summary>A copy of <paramref name="evt"/> carrying <paramref name="given"/> under <c>unsigned.{key}</c>; the plain copy when it would not fit.</summary>
    public static JsonObject Attach(JsonObject evt, string key, JsonArray? given)
    {
        var kept = (JsonObject)evt.DeepClone();
        if (given is null)
            return kept;
        var stripped = new JsonArray();
        foreach (var item in given.OfType<JsonObject>().Take(MaxEvents))
        {
            if (Pdu.StringOf(item["type"]) is not { } type || Pdu.StringOf(item["state_key"]) is not { } stateKey
                || item["content"] is not JsonObject content || Pdu.StringOf(item["sender"]) is not { } sender)
                continue;
            stripped.Add(new JsonObject
            {
                ["type"] = type, ["state_key"] = stateKey, ["content"] = content.DeepClone(), ["sender"] = sender,
            });
        }
        var unsigned = kept["unsigned"] as JsonObject ?? new JsonObject();
        unsigned[key] = stripped;
        kept["unsigned"] = unsigned;
        try
        {
            if (CanonicalJson.Encode(kept).Length <= EventSizeLimits.MaxEventBytes)
                return kept;
        }
        catch (CanonicalJsonException)
        {
        }
        return (JsonObject)evt.DeepClone();
    }

    /// <summary>The stripped state kept with a membership event by <see cref="Attach"/>, if any.</summary>
    public static JsonArray? Of(JsonObject evt) =>
        evt["unsigned"] is JsonObject unsigned ? (unsigned[InviteKey] ?? unsigned[KnockKey]) as JsonArray : null;
}
