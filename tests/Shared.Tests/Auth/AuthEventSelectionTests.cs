using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.RoomVersions;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Server-server spec "Auth events selection".</summary>
public class AuthEventSelectionTests
{
    private static IReadOnlyList<(string Type, string StateKey)> Select(RoomVersion version, string type, string? stateKey,
        string sender, string content) =>
        AuthEventSelection.Select(version, type, stateKey, sender, JsonNode.Parse(content)!.AsObject());

    private static (string, string) Create => ("m.room.create", "");
    private static (string, string) PowerLevels => ("m.room.power_levels", "");
    private static (string, string) JoinRules => ("m.room.join_rules", "");
    private static (string, string) MemberOf(string user) => ("m.room.member", user);

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void CreateEventSelectsNothing(RoomVersion version) =>
        Assert.That(Select(version, "m.room.create", "", Alice, "{}"), Is.Empty);

    [TestCaseSource(typeof(Versions), nameof(Versions.WithDomainRoomIds))]
    public void MessageSelectsCreatePowerLevelsAndSenderBeforeV12(RoomVersion version) =>
        Assert.That(Select(version, "m.room.message", null, Bob, "{}"), Is.EquivalentTo(new[] { Create, PowerLevels, MemberOf(Bob) }));

    [TestCaseSource(typeof(Versions), nameof(Versions.WithUnlimitedCreators))]
    public void V12NeverSelectsTheCreateEvent(RoomVersion version) =>
        Assert.That(Select(version, "m.room.message", null, Bob, "{}"), Is.EquivalentTo(new[] { PowerLevels, MemberOf(Bob) }));

    [TestCase("join", true)]
    [TestCase("invite", true)]
    [TestCase("knock", true)]
    [TestCase("leave", false)]
    [TestCase("ban", false)]
    public void MemberEventSelectsTargetAndJoinRulesForJoinInviteKnock(string membership, bool joinRules)
    {
        var selected = Select(RoomVersions.RoomVersions.V10, "m.room.member", Carol, Bob, $$"""{"membership":"{{membership}}"}""");
        Assert.Multiple(() =>
        {
            Assert.That(selected, Does.Contain(MemberOf(Carol)));
            Assert.That(selected, Does.Contain(MemberOf(Bob)));
            Assert.That(selected.Contains(JoinRules), Is.EqualTo(joinRules));
        });
    }

    [Test]
    public void OwnMembershipIsSelectedOnce()
    {
        var selected = Select(RoomVersions.RoomVersions.V10, "m.room.member", Bob, Bob, """{"membership":"join"}""");
        Assert.That(selected.Count(k => k == MemberOf(Bob)), Is.EqualTo(1));
    }

    [Test]
    public void ThirdPartyInviteSelectsTheTokensInvite()
    {
        var selected = Select(RoomVersions.RoomVersions.V10, "m.room.member", Carol, Bob,
            """{"membership":"invite","third_party_invite":{"display_name":"c","signed":{"mxid":"@carol:example.org","token":"abc","signatures":{}}}}""");
        Assert.That(selected, Does.Contain(("m.room.third_party_invite", "abc")));
    }

    [Test]
    public void ThirdPartyInviteWithoutTokenSelectsNoInvite()
    {
        var selected = Select(RoomVersions.RoomVersions.V10, "m.room.member", Carol, Bob,
            """{"membership":"invite","third_party_invite":{"signed":{}}}""");
        Assert.That(selected.Any(k => k.Type == "m.room.third_party_invite"), Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.WithRestricted))]
    public void RestrictedJoinSelectsTheAuthorisingUserFromV8(RoomVersion version) =>
        Assert.That(Select(version, "m.room.member", Bob, Bob, $$"""{"membership":"join","join_authorised_via_users_server":"{{Alice}}"}"""),
            Does.Contain(MemberOf(Alice)));

    [TestCaseSource(typeof(Versions), nameof(Versions.WithoutRestricted))]
    public void AuthorisingUserIsNotSelectedBeforeV8(RoomVersion version) =>
        Assert.That(Select(version, "m.room.member", Bob, Bob, $$"""{"membership":"join","join_authorised_via_users_server":"{{Alice}}"}"""),
            Does.Not.Contain(MemberOf(Alice)));

    [Test]
    public void AuthorisingUserIsOnlySelectedForJoins() =>
        Assert.That(Select(RoomVersions.RoomVersions.V10, "m.room.member", Bob, Bob, $$"""{"membership":"leave","join_authorised_via_users_server":"{{Alice}}"}"""),
            Does.Not.Contain(MemberOf(Alice)));
}
