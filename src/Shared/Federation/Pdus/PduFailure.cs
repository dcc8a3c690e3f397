namespace Cluster.Shared.Federation.Pdus;

/// <summary>Why a received PDU was not accepted as it is, in the order of the spec's checks on receipt.</summary>
public enum PduFailureReason
{
    /// <summary>Over the size limits of the event or one of its fields (dropped).</summary>
    TooLarge,
    /// <summary>v6+: a float or an integer outside the canonical range, or a value no canonical JSON can hold (dropped).</summary>
    NotCanonicalJson,
    /// <summary>Does not have the shape the room version gives events (dropped).</summary>
    InvalidFormat,
    /// <summary>In another room than the one the caller asked about (dropped).</summary>
    WrongRoom,
    /// <summary>A server that must sign did not (dropped).</summary>
    MissingSignature,
    /// <summary>The server answered but has no key with the ID used that was valid when the event was sent (dropped).</summary>
    UnknownKey,
    /// <summary>A signature does not verify, or is not well-formed (dropped).</summary>
    BadSignature,
    /// <summary>Signed, but the content hash is missing or does not match: the event is kept in its redacted form.</summary>
    ContentHashMismatch,
    /// <summary>A signing server's keys could not be fetched: not a verdict, check again later.</summary>
    KeysUnavailable,
    /// <summary>Some auth events were not supplied: fetch them and check again.</summary>
    AuthEventsMissing,
    /// <summary>The auth_events list cites twice, cites what the selection would not pick, or cites another room (rejected).</summary>
    AuthEventsInvalid,
    /// <summary>An auth event was itself rejected (rejected).</summary>
    AuthEventRejected,
    /// <summary>The authorization rules refuse the event against its auth events (rejected).</summary>
    NotAuthorized,
}

/// <summary>A reason and the detail that names what exactly was wrong, for logs.</summary>
public sealed record PduFailure(PduFailureReason Reason, string Detail)
{
    public override string ToString() => $"{Reason}: {Detail}";
}
