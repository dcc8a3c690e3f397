using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Tests.Support;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>
/// Each scenario builds the same event in every room version; it must be allowed exactly in the
/// versions the named feature flag selects, and refused in all others.
/// </summary>
public class RoomVersionDifferencesTests
{
    public sealed record Scenario(string Name, Func<RoomVersion, bool> AllowedIn, Func<RoomVersion, AuthDecision> Run)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Scenario> Scenarios()
    {
        yield return new("aliases from the sender's own server, sender not joined", v => v.SpecialCasedAliasesAuth, v =>
        {
            var room = Standard(v);
            return room.Check(room.Build("m.room.aliases", Dave, "other.example", """{"aliases":[]}"""));
        });
        yield return new("knock on a knock room", v => v.KnockJoinRule, v =>
        {
            var room = Standard(v, "knock");
            return room.Check(room.Member(Dave, Dave, "knock"));
        });
        yield return new("invited user joins a knock room", v => v.KnockJoinRule, v =>
        {
            var room = Standard(v, "knock");
            room.Invite(Alice, Bob);
            return room.Check(room.Member(Bob, Bob, "join"));
        });
        yield return new("knocker withdraws the knock", v => v.KnockJoinRule, v =>
        {
            var room = Standard(v, "knock");
            room.Force(room.Member(Dave, Dave, "knock"));
            return room.Check(room.Member(Dave, Dave, "leave"));
        });
        yield return new("invited user joins a restricted room", v => v.RestrictedJoinRule, v =>
        {
            var room = Standard(v, "restricted");
            room.Invite(Alice, Bob);
            return room.Check(room.Member(Bob, Bob, "join"));
        });
        yield return new("authorised join to a restricted room", v => v.RestrictedJoinRule, v =>
        {
            var room = Standard(v, "restricted");
            return room.Check(room.Member(Bob, Bob, "join", $"\"join_authorised_via_users_server\":\"{Alice}\"", signedBy: ["example.org"]));
        });
        yield return new("public join naming an authoriser whose server did not sign", v => !v.RestrictedJoinRule, v =>
        {
            var room = Standard(v);
            return room.Check(room.Member(Bob, Bob, "join", $"\"join_authorised_via_users_server\":\"{Dave}\""));
        });
        yield return new("authorised join to a knock_restricted room", v => v.KnockRestrictedJoinRule, v =>
        {
            var room = Standard(v, "knock_restricted");
            return room.Check(room.Member(Bob, Bob, "join", $"\"join_authorised_via_users_server\":\"{Alice}\"", signedBy: ["example.org"]));
        });
        yield return new("knock on a knock_restricted room", v => v.KnockRestrictedJoinRule, v =>
        {
            var room = Standard(v, "knock_restricted");
            return room.Check(room.Member(Dave, Dave, "knock"));
        });
        yield return new("power level written as a string", v => !v.EnforceIntPowerLevels, v =>
        {
            var room = Standard(v);
            var content = JsonNode.Parse(DefaultPowerLevels(v))!.AsObject();
            content["kick"] = "40";
            return room.Check(room.Build("m.room.power_levels", Alice, "", content.ToJsonString()));
        });
        yield return new("power level written as a float", v => !v.StrictCanonicalJson, v =>
        {
            var room = Standard(v);
            var content = JsonNode.Parse(DefaultPowerLevels(v))!.AsObject();
            content["kick"] = 40.5;
            return room.Check(room.Build("m.room.power_levels", Alice, "", content.ToJsonString()));
        });
        yield return new("moderator lowers a notification level set above them", v => !v.LimitNotificationsPowerLevels, v =>
        {
            var room = Standard(v);
            room.Join(Bob);
            var content = JsonNode.Parse(DefaultPowerLevels(v, Alice, $"\"{Bob}\":50"))!.AsObject();
            content["events"]!["m.room.power_levels"] = 50;
            content["notifications"] = new JsonObject { ["room"] = 80 };
            room.Send(room.Build("m.room.power_levels", Alice, "", content.ToJsonString()));
            content["notifications"] = new JsonObject { ["room"] = 0 };
            return room.Check(room.Build("m.room.power_levels", Bob, "", content.ToJsonString()));
        });
        yield return new("redaction of another server's event below the redact level", v => !v.ServerGeneratedEventIds, v =>
        {
            var room = Standard(v);
            room.Join(Bob);
            room.Join(Dave);
            var target = room.Send(room.Message(Dave));
            return room.Check(room.Build("m.room.redaction", Bob, null, $$"""{"redacts":"{{target.EventId}}"}""", redacts: target.EventId));
        });
        yield return new("create event without content.creator", v => v.ImplicitRoomCreator, v =>
        {
            var create = TestPdu.Make(v, v.ServerGeneratedEventIds ? "$c:example.org" : "$c", "m.room.create", Alice, "",
                $$"""{"room_version":"{{v.Id}}"}""");
            return EventAuth.Check(create, new Dictionary<(string, string), Pdu>());
        });
        yield return new("create event sender joins first although content.creator names another", v => v.ImplicitRoomCreator, v =>
        {
            var room = CreateOnly(v, Alice, extraCreateContent: $$"""{"creator":"{{Bob}}"}""");
            return room.Check(room.Member(Alice, Alice, "join"));
        });
        yield return new("power levels give the creator a level", v => !v.RoomIdFromCreateEvent, v =>
        {
            var room = Standard(v);
            return room.Check(room.Build("m.room.power_levels", Alice, "", $$$"""{"users":{"{{{Alice}}}":100}}"""));
        });
        yield return new("user at the highest level kicks the creator", v => !v.RoomIdFromCreateEvent, v =>
        {
            var room = Standard(v);
            room.Join(Bob);
            room.Force(room.Build("m.room.power_levels", Alice, "", DefaultPowerLevels(v, Alice, $"\"{Bob}\":9007199254740991")));
            return room.Check(room.Member(Bob, Alice, "leave"));
        });
        yield return new("additional creator sends a tombstone without a power level", v => v.RoomIdFromCreateEvent, v =>
        {
            var room = Standard(v, extraCreateContent: $$"""{"additional_creators":["{{Bob}}"]}""");
            room.Join(Bob);
            return room.Check(room.Build("m.room.tombstone", Bob, "", """{"body":"moved","replacement_room":"!new"}"""));
        });
    }

    private static IEnumerable<TestCaseData> Cases() =>
        from scenario in Scenarios()
        from version in RoomVersions.RoomVersions.All
        select new TestCaseData(scenario, version).SetName($"{scenario.Name} in v{version.Id}");

    [TestCaseSource(nameof(Cases))]
    public void OutcomeFollowsTheRoomVersion(Scenario scenario, RoomVersion version)
    {
        var decision = scenario.Run(version);
        Assert.That(decision.Allowed, Is.EqualTo(scenario.AllowedIn(version)), decision.Reason);
    }

    [Test]
    public void EveryScenarioSeparatesSomeVersions()
    {
        foreach (var scenario in Scenarios())
        {
            var outcomes = RoomVersions.RoomVersions.All.Select(scenario.AllowedIn).Distinct().Count();
            Assert.That(outcomes, Is.EqualTo(2), scenario.Name);
        }
    }
}
