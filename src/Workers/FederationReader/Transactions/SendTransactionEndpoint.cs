using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Shared.Storage.Events;
using Cluster.Shared.Storage.Federation;
using Cluster.Workers.FederationReader.Authentication;
using Cluster.Workers.FederationReader.Transactions.Edus;

namespace Cluster.Workers.FederationReader.Transactions;

/// <summary>
/// <c>PUT /_matrix/federation/v1/send/{txnId}</c>: another server's transaction of PDUs and EDUs.
/// The PDUs are queued in PostgreSQL and the answer goes back at once; checking and persisting
/// them (which may need keys, missing events or state from the origin) happens in
/// <see cref="InboundPduQueue"/>, so a sender's connection is never held by that work. The EDUs
/// (typing, receipts, to-device) are applied before the answer (<see cref="InboundEdus"/>). A
/// transaction ID is taken once per origin: a retry is answered without queuing or applying anything again.
/// The answer lists every queued PDU as accepted for processing (its later verdict is not sent back).
/// </summary>
public static class SendTransactionEndpoint
{
    /// <summary>The spec's bounds on one transaction.</summary>
    public const int MaxPdus = 50;
    public const int MaxEdus = 100;

    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPut("/_matrix/federation/v1/send/{txnId}", async (
            HttpContext context, string txnId, RoomStore rooms, InboundPduStore store, InboundPduQueue queue, InboundEdus edus) =>
        {
            var ct = context.RequestAborted;
            var requester = context.FederationRequester();
            var origin = requester.Origin.ToString();
            var body = requester.Content ?? throw MatrixException.NotJson("A transaction needs a JSON body.");
            if (txnId.Length is 0 or > 255)
                throw MatrixException.InvalidParam("The transaction ID must be 1 to 255 characters.");
            if (Pdu.StringOf(body["origin"]) is { } claimed && claimed != origin)
                throw MatrixException.Forbidden($"The transaction claims to come from {claimed}, but {origin} signed the request.");
            if (body["pdus"] is not JsonArray pdus)
                throw MatrixException.BadJson("pdus must be an array.");
            var edusNode = body["edus"];
            if (edusNode is not null and not JsonArray)
                throw MatrixException.BadJson("edus must be an array.");
            var eduArray = edusNode as JsonArray ?? [];
            if (pdus.Count > MaxPdus || eduArray.Count > MaxEdus)
                throw MatrixException.BadJson($"A transaction holds at most {MaxPdus} PDUs and {MaxEdus} EDUs.");

            var results = new JsonObject();
            var accepted = new List<(string RoomId, string EventId, byte[] Json)>();
            var roomsRead = new Dictionary<string, RoomRecord?>(StringComparer.Ordinal);
            foreach (var node in pdus)
            {
                var (queued, eventId, error) = await InboundPduIntake.ReadAsync(node, rooms, roomsRead, ct);
                if (queued is not null)
                    accepted.Add(queued.Value);
                if (eventId is not null)
                    results[eventId] = error is null ? new JsonObject() : new JsonObject { ["error"] = error };
            }
            if (await store.TakeTransactionAsync(origin, txnId, accepted, ct))
            {
                queue.Took(accepted.Count);
                foreach (var roomId in accepted.Select(p => p.RoomId).Distinct(StringComparer.Ordinal))
                    queue.Wake(roomId);
                // Only for a transaction taken now: a retry's EDUs were applied the first time.
                await edus.ApplyAsync(origin, eduArray, ct);
            }
            return Results.Json(new JsonObject { ["pdus"] = results });
        }).RequireFederationAuth();
}
