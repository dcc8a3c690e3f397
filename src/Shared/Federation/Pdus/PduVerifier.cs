using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Federation.Keys;
using Cluster.Shared.Identifiers;
using Cluster.Shared.RoomVersions;
using Cluster.Shared.Signing;
using Microsoft.Extensions.Logging;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// Checks 1 to 3 on receipt of a PDU (server-server spec "Checks performed on receipt of a PDU"): a
/// valid event of its room version, signed by every server that must sign it with keys valid when it
/// was sent (v5+), and with the content hash it was signed with. The auth checks that follow need the
/// auth events, which the caller fetches: <see cref="PduAuthEventsCheck"/>.
/// </summary>
public sealed class PduVerifier(ServerKeyRing keyRing, ILogger<PduVerifier> logger)
{
    /// <summary>Most key IDs of one server looked up per event: an event cannot make this server fetch without end.</summary>
    internal const int MaxKeyIdsPerServer = 4;

    /// <summary>Most signers tried when any one will do (third-party invites in v3+).</summary>
    internal const int MaxCandidateSigners = 4;

    /// <summary>
    /// Parses and checks an event received from another server. <paramref name="expectedRoomId"/> is the room
    /// the caller asked about or expects (null when any room will do). Never throws for bad input.
    /// </summary>
    public async Task<PduCheckResult> CheckAsync(JsonObject json, RoomVersion version, string? expectedRoomId, CancellationToken ct)
    {
        if (!IncomingPdu.TryParse(json, version, expectedRoomId, out var pdu, out var failure))
        {
            logger.LogInformation("Dropped a received PDU in room version {RoomVersion}: {Reason} ({Detail})",
                version.Id, failure.Reason, failure.Detail);
            return PduCheckResult.Dropped(failure);
        }
        return await CheckSignaturesAsync(pdu, ct);
    }

    /// <summary>
    /// Checks every event of a list another server answered with (a <c>/state</c>, <c>send_join</c> or
    /// <c>/backfill</c> answer); returns those that pass, in order. Entries that are not objects are
    /// left out; each event that fails goes to <paramref name="onDropped"/> when given.
    /// </summary>
    public async Task<List<Pdu>> PassingAsync(
        IEnumerable<JsonNode?> nodes, RoomVersion version, string? expectedRoomId, CancellationToken ct, Action<PduCheckResult>? onDropped = null)
    {
        var passed = new List<Pdu>();
        foreach (var node in nodes)
        {
            if (node is not JsonObject json)
                continue;
            var check = await CheckAsync(json, version, expectedRoomId, ct);
            if (check.Passed)
                passed.Add(check.Pdu);
            else
                onDropped?.Invoke(check);
        }
        return passed;
    }

    /// <summary>Checks 2 and 3 for an event that has passed <see cref="IncomingPdu.TryParse"/>.</summary>
    public Task<PduCheckResult> CheckSignaturesAsync(Pdu pdu, CancellationToken ct) => CheckSignaturesAsync(pdu, [], ct);

    /// <summary>
    /// As <see cref="CheckSignaturesAsync(Pdu, CancellationToken)"/>, with <paramref name="alsoRequired"/>
    /// signing too: an invite the invitee's server hands back countersigned, say.
    /// </summary>
    public async Task<PduCheckResult> CheckSignaturesAsync(Pdu pdu, IReadOnlyList<string> alsoRequired, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        ArgumentNullException.ThrowIfNull(alsoRequired);
        var required = alsoRequired.Count == 0 ? PduSigners.Required(pdu) : PduSigners.Required(pdu).Concat(alsoRequired).Distinct(StringComparer.Ordinal).ToList();
        var result = required.Count > 0
            ? await CheckRequiredSignersAsync(pdu, required, ct)
            : await CheckAnySignerAsync(pdu, ct);
        if (result.Status != PduCheckStatus.Accepted)
            logger.LogInformation("PDU {EventId} in {RoomId} from {Sender}: {Status}, {Reason} ({Detail}) {WaitingFor}",
                pdu.EventId, pdu.RoomId, pdu.Sender, result.Status, result.Failure?.Reason, result.Failure?.Detail, result.WaitingFor);
        return result;
    }

    private async Task<PduCheckResult> CheckRequiredSignersAsync(Pdu pdu, IReadOnlyList<string> servers, CancellationToken ct)
    {
        var keys = new List<ServerVerifyKey>();
        var unavailable = new List<string>();
        foreach (var server in servers)
        {
            var resolved = await ResolveKeysAsync(pdu, server, ct);
            if (resolved.Failure is { } failure) return PduCheckResult.Dropped(failure);
            if (resolved.Keys.Count == 0) unavailable.Add(server);
            keys.AddRange(resolved.Keys);
        }
        if (unavailable.Count == 0) return PduSignatureCheck.Check(pdu, keys);

        // A bad signature among those that could be checked is a verdict already; anything else waits.
        if (keys.Count > 0 && PduSignatureCheck.Check(pdu, keys) is { Status: PduCheckStatus.Dropped } dropped)
            return dropped;
        return KeysUnavailable(unavailable);
    }

    /// <summary>
    /// A third-party invite in v3+ names no server that must sign (the spec lets any server relay it), so
    /// the event must carry at least one signature that verifies under its server's keys.
    /// </summary>
    private async Task<PduCheckResult> CheckAnySignerAsync(Pdu pdu, CancellationToken ct)
    {
        var unavailable = new List<string>();
        PduFailure? lastFailure = null;
        foreach (var server in PduSigners.SignersOf(pdu).Take(MaxCandidateSigners))
        {
            var resolved = await ResolveKeysAsync(pdu, server, ct);
            if (resolved.Failure is { } failure) { lastFailure = failure; continue; }
            if (resolved.Keys.Count == 0) { unavailable.Add(server); continue; }
            var result = PduSignatureCheck.Check(pdu, resolved.Keys);
            if (result.Passed) return result;
            lastFailure = result.Failure;
        }
        if (unavailable.Count > 0) return KeysUnavailable(unavailable);
        return PduCheckResult.Dropped(lastFailure ?? new PduFailure(PduFailureReason.MissingSignature, "the event carries no signature"));
    }

    /// <summary>
    /// The keys <paramref name="server"/> signed the event with that were valid when it was sent: a failure
    /// when it did not sign or has no such key, no keys and no failure when its keys could not be fetched.
    /// </summary>
    private async Task<(IReadOnlyList<ServerVerifyKey> Keys, PduFailure? Failure)> ResolveKeysAsync(Pdu pdu, string server, CancellationToken ct)
    {
        if (!ServerName.TryParse(server, out var name))
            return ([], new PduFailure(PduFailureReason.BadSignature, $"'{server}' is not a server name whose keys could be fetched"));
        var keyIds = PduSigners.KeyIdsOf(pdu, server);
        if (keyIds.Count == 0)
            return ([], new PduFailure(PduFailureReason.MissingSignature, $"{server} has not signed the event with an ed25519 key"));

        // Room versions 1-4 predate key validity periods: any key the server has had will do.
        var atTs = pdu.Version.EnforceKeyValidity ? pdu.OriginServerTs : 0;
        var keys = new List<ServerVerifyKey>(1);
        var anyUnavailable = false;
        foreach (var keyId in keyIds.Take(MaxKeyIdsPerServer))
        {
            var lookup = await keyRing.LookUpVerifyKeyAsync(name, keyId, atTs, ct);
            if (lookup.IsFound) keys.Add(new ServerVerifyKey(server, lookup.Key));
            else anyUnavailable |= lookup.Status == VerifyKeyLookupStatus.Unavailable;
        }
        if (keys.Count > 0 || anyUnavailable) return (keys, null);
        return ([], new PduFailure(PduFailureReason.UnknownKey,
            $"{server} has no key {string.Join(", ", keyIds.Take(MaxKeyIdsPerServer))} valid at {atTs}"));
    }

    private static PduCheckResult KeysUnavailable(IReadOnlyList<string> servers) =>
        PduCheckResult.RetryLater(null, new PduFailure(PduFailureReason.KeysUnavailable,
            $"the keys of {string.Join(", ", servers)} could not be fetched"), servers);
}
