using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.StateResolution;
using CsCheck;
using static Cluster.Shared.Tests.StateResolution.RoomHistory;
using Versions = Cluster.Shared.RoomVersions.RoomVersions;

namespace Cluster.Shared.Tests.StateResolution;

/// <summary>
/// Every server must reach the same state whatever order it learnt things in: the resolution of a large random
/// history may not depend on the order of the state sets, of their entries, or of the event source.
/// </summary>
public class StateResolutionDeterminismTests
{
    private static readonly string[] Users = [Alice, Bob, Charlie, Evelyn, Zara];

    public static IEnumerable<RoomVersion> Versions11And12 => [Versions.V11, Versions.V12];

    [TestCaseSource(nameof(Versions11And12))]
    public void RandomHistoryResolvesTheSameWhateverTheInputOrder(RoomVersion version)
    {
        Gen.Int[0, int.MaxValue].Sample(seed =>
        {
            var random = new Random(seed);
            var (room, forwardExtremities) = RandomHistory(version, random, events: 120);
            var stateSets = forwardExtremities.Select(room.StateAfter).ToList();
            var expected = StateResolver.Resolve(version, stateSets.ToList<IReadOnlyDictionary<(string, string), string>>(), room);

            for (var attempt = 0; attempt < 3; attempt++)
            {
                var shuffledSets = Shuffled(stateSets, random)
                    .Select(set => (IReadOnlyDictionary<(string, string), string>)Shuffled(set.ToList(), random)
                        .ToDictionary(e => e.Key, e => e.Value))
                    .ToList();
                var shuffledSource = new InMemoryEventSource(Shuffled(room.Events.ToList(), random));

                var actual = StateResolver.Resolve(version, shuffledSets, shuffledSource);

                if (!actual.OrderBy(e => e.Key).SequenceEqual(expected.OrderBy(e => e.Key)))
                    throw new AssertionException($"seed {seed}: resolution changed with the order of the input");
            }
        }, iter: 8, threads: 1);
    }

    [TestCaseSource(nameof(Versions11And12))]
    public void RandomHistoryHasRealConflictsToResolve(RoomVersion version)
    {
        // Guards the test above against building histories that never conflict.
        var (room, forwardExtremities) = RandomHistory(version, new Random(7), events: 120);
        var stateSets = forwardExtremities.Select(room.StateAfter).ToList();

        Assert.That(forwardExtremities, Has.Count.GreaterThan(1));
        Assert.That(stateSets.Skip(1).Any(set => !set.OrderBy(e => e.Key).SequenceEqual(stateSets[0].OrderBy(e => e.Key))));
    }

    /// <summary>
    /// A history of state events sent on several branches that now and then merge: topics, names, power level
    /// changes, joins, leaves, kicks, bans and join rule changes by random members, authorised or not.
    /// Returns the events nothing follows yet, the room's forward extremities.
    /// </summary>
    private static (RoomHistory Room, List<string> ForwardExtremities) RandomHistory(RoomVersion version, Random random, int events)
    {
        var room = StandardRoom(version);
        var tips = new List<string> { "START" };
        for (var n = 0; n < events; n++)
        {
            var name = "E" + n;
            var prevs = new List<string> { tips[random.Next(tips.Count)] };
            if (tips.Count > 1 && random.Next(4) == 0)
            {
                var other = tips[random.Next(tips.Count)];
                if (other != prevs[0]) prevs.Add(other);
            }

            AddRandomEvent(room, random, name, prevs.ToArray());
            tips.RemoveAll(prevs.Contains);
            tips.Add(name);
            // Fork now and then by letting an older event stay a tip.
            if (random.Next(3) == 0) tips.Add(prevs[0]);
            tips = tips.Distinct().ToList();
            if (tips.Count > 6) tips.RemoveAt(0);
        }
        return (room, tips.Where(t => t != "START").Distinct().Take(4).DefaultIfEmpty("START").ToList());
    }

    private static Pdu AddRandomEvent(RoomHistory room, Random random, string name, string[] prevs)
    {
        var sender = Users[random.Next(Users.Length)];
        var target = Users[random.Next(Users.Length)];
        switch (random.Next(7))
        {
            case 0:
                return room.Topic(name, sender, prevs);
            case 1:
                return room.Add(name, "m.room.name", sender, "", $$"""{"name":"{{name}}"}""", prevs);
            case 2:
                var levels = string.Join(",", Users.Skip(1).Where(_ => random.Next(2) == 0)
                    .Select(u => $"\"{u}\":{random.Next(0, 4) * 25}"));
                return room.PowerLevels(name, random.Next(3) == 0 ? sender : Alice, "{" + levels + "}", prevs);
            case 3:
                return room.Member(name, sender, sender, random.Next(3) == 0 ? "leave" : "join", prevs);
            case 4:
                return room.Member(name, sender, target, random.Next(2) == 0 ? "ban" : "leave", prevs);
            case 5:
                return room.Add(name, "m.room.join_rules", random.Next(2) == 0 ? sender : Alice, "",
                    random.Next(2) == 0 ? """{"join_rule":"public"}""" : """{"join_rule":"invite"}""", prevs);
            default:
                return room.Add(name, "m.room.member", sender, target, """{"membership":"invite"}""", prevs);
        }
    }

    private static List<T> Shuffled<T>(List<T> items, Random random)
    {
        var copy = items.ToList();
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(copy));
        return copy;
    }
}
