using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Text;
using NSec.Cryptography;
using static Cluster.Shared.Tests.Auth.TestRoom;

namespace Cluster.Shared.Tests.Auth;

/// <summary>Member rules, membership "invite", with and without a third-party invite.</summary>
public class InviteRulesTests
{
    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void JoinedMemberAtTheInviteLevelMayInvite(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Alice, Bob, "invite")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MemberBelowTheInviteLevelMayNotInvite(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice).Replace("\"invite\":0", "\"invite\":10"));
        Assert.That(room.Check(room.Member(Bob, Carol, "invite")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void NonMemberMayNotInvite(RoomVersion version)
    {
        var room = Standard(version);
        Assert.That(room.Check(room.Member(Bob, Carol, "invite")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void JoinedUserCannotBeInvited(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        Assert.That(room.Check(room.Member(Alice, Bob, "invite")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BannedUserCannotBeInvited(RoomVersion version)
    {
        var room = Standard(version);
        room.Ban(Alice, Bob);
        Assert.That(room.Check(room.Member(Alice, Bob, "invite")).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InvitedUserMayBeInvitedAgain(RoomVersion version)
    {
        var room = Standard(version);
        room.Invite(Alice, Bob);
        Assert.That(room.Check(room.Member(Alice, Bob, "invite")).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void ThirdPartyInviteEventRequiresTheInviteLevel(RoomVersion version)
    {
        var room = Standard(version);
        room.Join(Bob);
        var atLevel = room.Build("m.room.third_party_invite", Bob, "tok", ThirdPartyInvites.InviteContent(ThirdPartyInvites.NewKey()));
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice).Replace("\"invite\":0", "\"invite\":10"));
        var belowLevel = room.Build("m.room.third_party_invite", Bob, "tok", ThirdPartyInvites.InviteContent(ThirdPartyInvites.NewKey()));
        Assert.Multiple(() =>
        {
            Assert.That(room.CheckAgainstAuthEvents(atLevel).Allowed, Is.True);
            Assert.That(room.Check(belowLevel).Allowed, Is.False);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void ThirdPartyInviteEventIgnoresItsEventLevel(RoomVersion version)
    {
        // Only the invite level counts, even when power levels set a level for the event type.
        var room = Standard(version);
        room.Join(Bob);
        room.Send("m.room.power_levels", Alice, "", DefaultPowerLevels(version, Alice)
            .Replace("\"m.room.power_levels\":100", "\"m.room.power_levels\":100,\"m.room.third_party_invite\":100"));
        var invite = room.Build("m.room.third_party_invite", Bob, "tok", ThirdPartyInvites.InviteContent(ThirdPartyInvites.NewKey()));
        Assert.That(room.Check(invite).Allowed, Is.True);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void InviteRedeemingASignedThirdPartyInviteIsAllowed(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(key, Carol, "tok"));
        Assert.Multiple(() =>
        {
            Assert.That(room.Check(redeem).Allowed, Is.True, room.Check(redeem).Reason);
            Assert.That(room.CheckAgainstAuthEvents(redeem).Allowed, Is.True, room.CheckAgainstAuthEvents(redeem).Reason);
        });
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void KeyFromThePublicKeysListIsAccepted(RoomVersion version)
    {
        using var listed = ThirdPartyInvites.NewKey();
        using var other = ThirdPartyInvites.NewKey();
        var room = Standard(version);
        room.Send("m.room.third_party_invite", Alice, "tok", ThirdPartyInvites.InviteContent(other, alsoListed: listed));
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(listed, Carol, "tok"));
        Assert.That(room.Check(redeem).Allowed, Is.True, room.Check(redeem).Reason);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void SignatureFromAnUnpublishedKeyIsRejected(RoomVersion version)
    {
        using var published = ThirdPartyInvites.NewKey();
        using var stranger = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, published);
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(stranger, Carol, "tok"));
        Assert.That(room.Check(redeem).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void TamperedSignedObjectIsRejected(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        // Signed for Dave, then relabelled for Carol.
        var redemption = ThirdPartyInvites.Redemption(key, Dave, "tok").Replace(Dave, Carol);
        Assert.That(room.Check(room.Member(Alice, Carol, "invite", redemption)).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void MxidMustBeTheTarget(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(key, Dave, "tok"));
        Assert.That(room.Check(redeem).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void TokenMustNameAThirdPartyInviteInTheState(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(key, Carol, "other-token"));
        Assert.That(room.Check(redeem).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void RedeemerMustHaveSentTheThirdPartyInvite(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        room.Join(Bob);
        var redeem = room.Member(Bob, Carol, "invite", ThirdPartyInvites.Redemption(key, Carol, "tok"));
        Assert.That(room.Check(redeem).Allowed, Is.False);
    }

    [TestCaseSource(typeof(Versions), nameof(Versions.All))]
    public void BannedTargetCannotRedeemAThirdPartyInvite(RoomVersion version)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(version, key);
        room.Ban(Alice, Carol);
        var redeem = room.Member(Alice, Carol, "invite", ThirdPartyInvites.Redemption(key, Carol, "tok"));
        Assert.That(room.Check(redeem).Allowed, Is.False);
    }

    [TestCase("\"third_party_invite\":{\"display_name\":\"c\"}")]
    [TestCase("\"third_party_invite\":{\"signed\":\"text\"}")]
    [TestCase("\"third_party_invite\":{\"signed\":{\"token\":\"tok\",\"signatures\":{}}}")]
    [TestCase("\"third_party_invite\":{\"signed\":{\"mxid\":\"@carol:example.org\",\"signatures\":{}}}")]
    [TestCase("\"third_party_invite\":{\"signed\":{\"mxid\":\"@carol:example.org\",\"token\":\"tok\"}}")]
    [TestCase("\"third_party_invite\":null")]
    public void MalformedThirdPartyInviteIsRejected(string extraContent)
    {
        using var key = ThirdPartyInvites.NewKey();
        var room = RoomWithThirdPartyInvite(RoomVersions.RoomVersions.V10, key);
        Assert.That(room.Check(room.Member(Alice, Carol, "invite", extraContent)).Allowed, Is.False);
    }

    private static TestRoom RoomWithThirdPartyInvite(RoomVersion version, Key key)
    {
        var room = Standard(version);
        room.Send("m.room.third_party_invite", Alice, "tok", ThirdPartyInvites.InviteContent(key));
        return room;
    }
}

/// <summary>Identity-server keys and signed third-party invite payloads, signed for real with Ed25519.</summary>
internal static class ThirdPartyInvites
{
    public static Key NewKey() =>
        Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public static string PublicKeyOf(Key key) => UnpaddedBase64.Encode(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));

    /// <summary>m.room.third_party_invite content publishing <paramref name="key"/> (and optionally a listed second key).</summary>
    public static string InviteContent(Key key, Key? alsoListed = null)
    {
        var content = new JsonObject
        {
            ["display_name"] = "carol@example.com",
            ["key_validity_url"] = "https://identity.example/_matrix/identity/v2/pubkey/isvalid",
            ["public_key"] = PublicKeyOf(key),
        };
        if (alsoListed is not null)
            content["public_keys"] = new JsonArray(new JsonObject { ["public_key"] = PublicKeyOf(alsoListed) });
        return content.ToJsonString();
    }

    /// <summary>The <c>"third_party_invite":{…}</c> member content part, signed by <paramref name="key"/>.</summary>
    public static string Redemption(Key key, string mxid, string token)
    {
        var signed = new JsonObject { ["mxid"] = mxid, ["token"] = token, ["sender"] = TestRoom.Alice };
        var signature = SignatureAlgorithm.Ed25519.Sign(key, CanonicalJson.Encode(signed));
        signed["signatures"] = new JsonObject
        {
            ["identity.example"] = new JsonObject { ["ed25519:0"] = UnpaddedBase64.Encode(signature) },
        };
        var invite = new JsonObject { ["display_name"] = "carol@example.com", ["signed"] = signed };
        return "\"third_party_invite\":" + invite.ToJsonString();
    }
}
