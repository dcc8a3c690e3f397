using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Json;
using Npgsql;

namespace Cluster.Workers.FederationReader.Transactions.Edus;

/// <summary>
/// The EDUs of a newly taken transaction: typing and read receipts of the origin's users in rooms
/// they are joined to, to-device messages for local devices, and the origin's users' device list
/// updates. Presence (disabled here) and other types (end-to-end encryption is not built) are ignored. Each EDU stands
/// alone: a malformed or unauthorised one is dropped with a log line, and neither fails the
/// transaction nor stops the EDUs after it; the spec gives the sender no per-EDU answer.
/// </summary>
public sealed class InboundEdus(
    InboundTyping typing, InboundReceipts receipts, InboundToDevice toDevice, InboundDeviceListUpdates deviceLists, ILogger<InboundEdus> logger)
{
    public async Task ApplyAsync(string origin, JsonArray edus, CancellationToken cancellationToken)
    {
        foreach (var node in edus)
        {
            if (node is not JsonObject edu || Pdu.StringOf(edu["edu_type"]) is not { } type)
            {
                logger.LogInformation("{Origin} sent an EDU without an edu_type; ignoring it", origin);
                continue;
            }
            if (edu["content"] is not JsonObject content)
            {
                logger.LogInformation("{Origin} sent a {EduType} EDU without an object content; ignoring it", origin, type);
                continue;
            }
            try
            {
                switch (type)
                {
                    case InboundTyping.EduType:
                        await typing.ApplyAsync(origin, content, cancellationToken);
                        break;
                    case InboundReceipts.EduType:
                        await receipts.ApplyAsync(origin, content, cancellationToken);
                        break;
                    case InboundToDevice.EduType:
                        await toDevice.ApplyAsync(origin, content, cancellationToken);
                        break;
                    case InboundDeviceListUpdates.EduType:
                        await deviceLists.ApplyAsync(origin, content, cancellationToken);
                        break;
                    default:
                        logger.LogDebug("Ignoring a {EduType} EDU from {Origin}", type, origin);
                        break;
                }
            }
            // The transaction is taken already: a retry would not bring this EDU back, and
            // ephemeral data is not worth failing the PDUs' answer for.
            catch (Exception e) when (e is MatrixException or CanonicalJsonException or NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Applying a {EduType} EDU from {Origin} failed; it is dropped", type, origin);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Applying a {EduType} EDU from {Origin} failed unexpectedly; it is dropped", type, origin);
            }
        }
    }
}
