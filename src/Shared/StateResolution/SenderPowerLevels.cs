using Cluster.Shared.Auth;

namespace Cluster.Shared.StateResolution;

/// <summary>
/// The power level of an event's sender "when looking at their respective auth_events", as the reverse
/// topological power ordering needs it: the level the power_levels event among its auth events gives the
/// sender, 100 for the creator when there is none (before v12), unlimited for v12 creators. Cached per event.
/// </summary>
internal sealed class SenderPowerLevels(AuthGraph graph)
{
    /// <summary>Room version 12 room creators: above any power level a power_levels event can grant.</summary>
    public const long Creator = PowerLevels.Unlimited;

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
        // Only the create event itself has no create event among its auth events; nobody has power before it.
        var create = graph.CreateAuthEventOf(index);
        if (create == AuthGraph.None) return 0;

        var powerLevels = graph.PowerLevelsAuthEventOf(index);
        var content = powerLevels == AuthGraph.None ? null : graph[powerLevels].Content;
        try
        {
            return new PowerLevels(content, graph.Version, new RoomCreators(graph[create])).UserLevel(graph[index].Sender);
        }
        catch (MalformedPowerLevelsException)
        {
            // The auth rules refuse such a power_levels event, so it should never be cited; if it is, it grants nothing.
            return 0;
        }
    }
}
