using System.Text.Json.Nodes;
using Cluster.Shared.Events;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// The power level of an event's sender "when looking at their respective auth_events", as the reverse
/// topological power ordering needs it. Cached per event for the resolution.
/// </summary>
internal sealed class SenderPowerLevels(AuthGraph graph)
{
    /// <summary>Room version 12 room creators: above any power level a power_levels event can grant.</summary>
    public const long Creator = long.MaxValue;

    /// <summary>Before power_levels exists, the creator has this level (spec: m.room.power_levels defaults).</summary>
    private const long CreatorWithoutPowerLevels = 100;

    private readonly Dictionary<int, long> _cache = [];

    public long Of(int index)
    {
        if (_cache.TryGetValue(index, out var known)) return known;
        var level = Compute(index);
        _cache[index] = level;
        return level;
    }

    private long Compute(int index)
    {
        var sender = graph[index].Sender;
        var createIndex = graph.CreateAuthEventOf(index);
        var create = createIndex == AuthGraph.None ? null : graph[createIndex];

        if (graph.Version.RoomIdFromCreateEvent && create is not null && IsAdditionalOrOriginalCreator(create, sender))
            return Creator;

        var powerLevelsIndex = graph.PowerLevelsAuthEventOf(index);
        if (powerLevelsIndex == AuthGraph.None)
            return create is not null && string.Equals(CreatorOf(create), sender, StringComparison.Ordinal)
                ? CreatorWithoutPowerLevels
                : 0;

        var content = graph[powerLevelsIndex].Content;
        return PowerLevelValue.Read((content["users"] as JsonObject)?[sender], graph.Version)
            ?? PowerLevelValue.Read(content["users_default"], graph.Version)
            ?? 0;
    }

    private string? CreatorOf(Pdu create) =>
        graph.Version.ImplicitRoomCreator ? create.Sender : Pdu.StringOf(create.Content["creator"]);

    private static bool IsAdditionalOrOriginalCreator(Pdu create, string sender)
    {
        if (string.Equals(create.Sender, sender, StringComparison.Ordinal)) return true;
        if (create.Content["additional_creators"] is not JsonArray additional) return false;
        foreach (var item in additional)
            if (string.Equals(Pdu.StringOf(item), sender, StringComparison.Ordinal)) return true;
        return false;
    }
}
