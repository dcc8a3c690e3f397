using System.Text.Json.Nodes;
using Cluster.Shared.Auth;
using Cluster.Shared.Events;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// Which servers' signatures a received PDU must carry (server-server spec "Validating hashes and signatures
/// on received events", and the restricted join rule of v8+), and which signatures it offers.
/// </summary>
public static class PduSigners
{
    /// <summary>
    /// The sender's server (except on an invite redeeming a third-party invite, which another server may
    /// send on the inviter's behalf); in v1/v2 the server that named the event; from v8, on a member
    /// event naming <c>join_authorised_via_users_server</c>, that user's server, whose signature the auth
    /// rules demand. Empty only for a third-party invite in v3+: any one valid signer must then do.
    /// </summary>
    public static IReadOnlyList<string> Required(Pdu pdu)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        var servers = new List<string>(3);
        if (!IsThirdPartyInvite(pdu)) AddServerOf(servers, pdu.Sender);
        if (pdu.Version.ServerGeneratedEventIds) AddServerOf(servers, pdu.EventId);
        // A value that is not a user ID names no server to ask; the auth rules reject the event for it.
        if (pdu.Version.RestrictedJoinRule && pdu.Type == EventTypes.Member
            && Pdu.StringOf(pdu.Content[ContentKeys.AuthorisingUser]) is { } authoriser && MatrixIds.IsValidUserId(authoriser))
            AddServerOf(servers, authoriser);
        return servers;
    }

    /// <summary>The servers that put a signature on the event, in the order it lists them.</summary>
    public static IReadOnlyList<string> SignersOf(Pdu pdu) =>
        pdu.Json[JsonSignatures.SignaturesKey] is JsonObject signatures ? signatures.Select(s => s.Key).ToArray() : [];

    /// <summary>
    /// The Ed25519 key IDs <paramref name="server"/> signed with. Other algorithms are skipped, as the
    /// spec's "Checking for a signature" asks; malformed entries are left for the signature check to find.
    /// </summary>
    public static IReadOnlyList<SigningKeyId> KeyIdsOf(Pdu pdu, string server)
    {
        if ((pdu.Json[JsonSignatures.SignaturesKey] as JsonObject)?[server] is not JsonObject byKey) return [];
        var ids = new List<SigningKeyId>(byKey.Count);
        foreach (var (keyId, _) in byKey)
            if (SigningKeyId.TryParse(keyId, out var id) && id.IsEd25519)
                ids.Add(id);
        return ids;
    }

    /// <summary>An invite whose content redeems a third-party invite (spec: signed by whoever relayed it).</summary>
    public static bool IsThirdPartyInvite(Pdu pdu) =>
        pdu.Type == EventTypes.Member
        && Memberships.Read(pdu.Content[ContentKeys.Membership]) == Membership.Invite
        && pdu.Content[ContentKeys.ThirdPartyInvite] is JsonObject;

    private static void AddServerOf(List<string> servers, string id)
    {
        if (MatrixIds.DomainOf(id) is { Length: > 0 } server && !servers.Contains(server))
            servers.Add(server);
    }
}
