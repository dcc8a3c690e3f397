using System.Diagnostics.CodeAnalysis;
using Cluster.Shared.Events;

namespace Cluster.Shared.Federation.Pdus;

/// <summary>What to do with a received PDU after a check.</summary>
public enum PduCheckStatus
{
    /// <summary>Passed: use the event as received.</summary>
    Accepted,
    /// <summary>Signed but its content hash does not match: use <see cref="PduCheckResult.Pdu"/>, the redacted form.</summary>
    Redacted,
    /// <summary>Invalid or wrongly signed: forget it, as if it had never arrived.</summary>
    Dropped,
    /// <summary>Fails authorization: keep it as a rejected event (never sent to clients nor built upon).</summary>
    Rejected,
    /// <summary>No verdict yet (keys or auth events unavailable): <see cref="PduCheckResult.WaitingFor"/> names what is missing.</summary>
    RetryLater,
}

/// <summary>The outcome of checking a received PDU.</summary>
public sealed record PduCheckResult
{
    private PduCheckResult(PduCheckStatus status, Pdu? pdu, PduFailure? failure, IReadOnlyList<string> waitingFor)
    {
        Status = status;
        Pdu = pdu;
        Failure = failure;
        WaitingFor = waitingFor;
    }

    public PduCheckStatus Status { get; }

    /// <summary>
    /// The event to go on with: as received when accepted, the redacted form when redacted, the event that
    /// failed when rejected or waiting for auth events; null when dropped or waiting for keys (nothing was verified).
    /// </summary>
    public Pdu? Pdu { get; }

    /// <summary>Why the event was not accepted as received; null when accepted.</summary>
    public PduFailure? Failure { get; }

    /// <summary>For <see cref="PduCheckStatus.RetryLater"/>: the servers whose keys, or the auth event IDs, that are missing.</summary>
    public IReadOnlyList<string> WaitingFor { get; }

    /// <summary>Whether the event passed and <see cref="Pdu"/> is what to use (accepted or redacted).</summary>
    [MemberNotNullWhen(true, nameof(Pdu))]
    public bool Passed => Status is PduCheckStatus.Accepted or PduCheckStatus.Redacted;

    public static PduCheckResult Accepted(Pdu pdu) => new(PduCheckStatus.Accepted, pdu, null, []);

    public static PduCheckResult Redacted(Pdu redacted, PduFailure hashFailure) => new(PduCheckStatus.Redacted, redacted, hashFailure, []);

    public static PduCheckResult Dropped(PduFailure failure) => new(PduCheckStatus.Dropped, null, failure, []);

    public static PduCheckResult Rejected(Pdu pdu, PduFailure failure) => new(PduCheckStatus.Rejected, pdu, failure, []);

    public static PduCheckResult RetryLater(Pdu? pdu, PduFailure failure, IReadOnlyList<string> waitingFor) =>
        new(PduCheckStatus.RetryLater, pdu, failure, waitingFor);

    public override string ToString() => Failure is null ? Status.ToString() : $"{Status} ({Failure})";
}
