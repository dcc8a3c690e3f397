using Cluster.Shared.Events;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>
/// Checks 2 and 3 on receipt once the keys are in hand: every given key must have signed the redacted
/// event (otherwise it is dropped), then the content hash must match (otherwise the redacted form is
/// what the server keeps). Which keys to give is <see cref="PduVerifier"/>'s business.
/// </summary>
public static class PduSignatureCheck
{
    public static PduCheckResult Check(Pdu pdu, IReadOnlyList<ServerVerifyKey> keys)
    {
        ArgumentNullException.ThrowIfNull(pdu);
        if (keys.Count == 0)
            return PduCheckResult.Dropped(new PduFailure(PduFailureReason.MissingSignature, "no signature could be checked"));

        var verification = EventSigning.Verify(pdu.Json, pdu.Version, keys);
        switch (verification.Status)
        {
            case EventVerificationStatus.Valid:
                return PduCheckResult.Accepted(pdu);
            case EventVerificationStatus.RedactionRequired:
                var hash = new PduFailure(PduFailureReason.ContentHashMismatch, $"content hash: {verification.ContentHash}");
                try
                {
                    return PduCheckResult.Redacted(Pdu.Parse(verification.Redacted!, pdu.Version, pdu.EventId), hash);
                }
                catch (InvalidEventException e)
                {
                    // Redaction keeps every field the format needs, so this would be a bug, not bad input.
                    return PduCheckResult.Dropped(new PduFailure(PduFailureReason.InvalidFormat, $"the redacted event cannot be read: {e.Message}"));
                }
            default:
                var failed = verification.FailedSignature;
                var reason = failed?.Status is SignatureStatus.NoSignatureFromServer or SignatureStatus.NoSignatureWithKeyId
                    ? PduFailureReason.MissingSignature
                    : PduFailureReason.BadSignature;
                return PduCheckResult.Dropped(new PduFailure(reason, failed?.ToString() ?? "a signature does not verify"));
        }
    }
}
