using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Json;
using Cluster.Shared.RoomVersions;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// The first check on receipt of a PDU ("is a valid event, otherwise it is dropped"): reads untrusted
/// JSON from another server into a <see cref="Pdu"/> of the room's version, or says why it is not one.
/// Nothing here fetches or trusts anything; signatures come next (<see cref="PduVerifier"/>).
/// </summary>
public static class IncomingPdu
{
    /// <summary>
    /// Checks size limits, canonical JSON (integers only from v6), the version's event format, then
    /// derives the event ID (the reference hash from v3; the carried <c>event_id</c> in v1/v2) and, when
    /// <paramref name="expectedRoomId"/> is given, that the event is in that room. Never throws for bad
    /// input. The event keeps <paramref name="json"/> as its source of truth: the caller must not change it.
    /// </summary>
    public static bool TryParse(JsonObject json, RoomVersion version, string? expectedRoomId,
        [NotNullWhen(true)] out Pdu? pdu, [NotNullWhen(false)] out PduFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(version);
        pdu = null;
        failure = Check(json, version);
        if (failure is not null) return false;

        try
        {
            pdu = Pdu.Parse(json, version, EventIds.Of(json, version));
        }
        catch (Exception e) when (e is InvalidEventException or CanonicalJsonException)
        {
            // The format checks above should leave nothing for these to find; they stay typed regardless.
            failure = new PduFailure(PduFailureReason.InvalidFormat, e.Message);
            return false;
        }
        if (expectedRoomId is not null && pdu.RoomId != expectedRoomId)
        {
            failure = new PduFailure(PduFailureReason.WrongRoom, $"the event is in {pdu.RoomId}, not {expectedRoomId}");
            pdu = null;
            return false;
        }
        return true;
    }

    private static PduFailure? Check(JsonObject json, RoomVersion version)
    {
        // Size first: one bounded encoding that also refuses what canonical JSON cannot hold (nesting
        // past its limit included), so every later step works on a small, encodable event.
        var size = EventSizeLimits.Check(json);
        if (size.Status == EventSizeStatus.NotCanonicalJson)
            return new PduFailure(PduFailureReason.NotCanonicalJson, size.ToString());
        if (!size.IsValid)
            return new PduFailure(PduFailureReason.TooLarge, size.ToString());

        try
        {
            // The strict reader holds the number rules of the version (and the nesting limit every
            // JSON document from a peer gets), so reading the canonical bytes back applies them.
            StrictJson.ParseElement(CanonicalJson.Encode(json), StrictJsonOptions.For(version));
        }
        catch (Exception e) when (e is InvalidJsonException or CanonicalJsonException)
        {
            return new PduFailure(PduFailureReason.NotCanonicalJson, e.Message);
        }

        return PduFormat.FindViolation(json, version) is { } violation
            ? new PduFailure(PduFailureReason.InvalidFormat, violation)
            : null;
    }
}
