using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.Text;
using NSec.Cryptography;

namespace Cluster.Shared.Auth;

/// <summary>
/// An invite that redeems an <c>m.room.third_party_invite</c>: the identity server signed
/// <c>{mxid, token}</c> with a key the inviting event published.
/// </summary>
internal static class ThirdPartyInviteRules
{
    public static AuthDecision Check(Pdu ev, string target, JsonNode? thirdPartyInvite, in AuthState room)
    {
        if (room.MembershipOf(target) == Membership.Ban) return AuthDecision.Deny("third-party invite: target is banned");
        if ((thirdPartyInvite as JsonObject)?["signed"] is not JsonObject signed)
            return AuthDecision.Deny("third-party invite: no signed object");
        if (Pdu.StringOf(signed["mxid"]) is not { } mxid || Pdu.StringOf(signed["token"]) is not { } token)
            return AuthDecision.Deny("third-party invite: signed lacks mxid or token");
        if (mxid != target) return AuthDecision.Deny("third-party invite: signed.mxid differs from state_key");
        if (room.Get(EventTypes.ThirdPartyInvite, token) is not { } invite)
            return AuthDecision.Deny("third-party invite: no m.room.third_party_invite for the token");
        if (invite.Sender != ev.Sender)
            return AuthDecision.Deny("third-party invite: sender differs from the third_party_invite's sender");
        return HasSignatureFromAnyKey(signed, invite.Content)
            ? AuthDecision.Allow
            : AuthDecision.Deny("third-party invite: no signature in signed matches a public key of the invite");
    }

    /// <summary>True when any ed25519 signature in <paramref name="signed"/> verifies under any published key.</summary>
    internal static bool HasSignatureFromAnyKey(JsonObject signed, JsonObject inviteContent)
    {
        if (signed["signatures"] is not JsonObject signatures) return false;
        var keys = PublicKeys(inviteContent);
        if (keys.Count == 0) return false;

        var payload = SignedPayload(signed);
        foreach (var (_, serverSignatures) in signatures)
        {
            if (serverSignatures is not JsonObject byKey) continue;
            foreach (var (keyId, signatureNode) in byKey)
            {
                if (!keyId.StartsWith("ed25519:", StringComparison.Ordinal)) continue;
                if (!UnpaddedBase64.TryDecode(Pdu.StringOf(signatureNode), out var signature)
                    || signature.Length != SignatureAlgorithm.Ed25519.SignatureSize) continue;
                foreach (var key in keys)
                    if (SignatureAlgorithm.Ed25519.Verify(key, payload, signature)) return true;
            }
        }
        return false;
    }

    /// <summary>The keys in <c>public_key</c> and <c>public_keys[].public_key</c>; undecodable ones are skipped.</summary>
    private static List<PublicKey> PublicKeys(JsonObject content)
    {
        var keys = new List<PublicKey>(2);
        Add(Pdu.StringOf(content["public_key"]));
        if (content["public_keys"] is JsonArray list)
            foreach (var entry in list)
                if (entry is JsonObject o) Add(Pdu.StringOf(o["public_key"]));
        return keys;

        void Add(string? encoded)
        {
            if (UnpaddedBase64.TryDecode(encoded, out var raw)
                && PublicKey.TryImport(SignatureAlgorithm.Ed25519, raw, KeyBlobFormat.RawPublicKey, out var key)
                && key is not null)
                keys.Add(key);
        }
    }

    /// <summary>What was signed: the canonical JSON of the object without its signatures and unsigned parts.</summary>
    private static byte[] SignedPayload(JsonObject signed)
    {
        var copy = new JsonObject();
        foreach (var (name, value) in signed)
            if (name is not ("signatures" or "unsigned")) copy[name] = value?.DeepClone();
        return CanonicalJson.Encode(copy);
    }
}
