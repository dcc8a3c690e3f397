using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Shared.Events;
using Cluster.Shared.Http;
using Cluster.Workers.Host.Internal;
using Microsoft.AspNetCore.Http.Features;

namespace Cluster.Workers.EventPersister;

/// <summary>
/// <c>POST /_internal/events/persist</c>: a creator hands this persister a room's events
/// (<see cref="PersistProtocol"/>). Only rooms of this instance's shard are written; the
/// persister's refusals travel back as distinct error codes so the creator can act on them.
/// </summary>
public static class PersistEndpoint
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var internalRoutes = endpoints.MapInternal();
        internalRoutes.MapPost(PersistProtocol.Path, PersistAsync);
        internalRoutes.MapPost(PersistProtocol.ReceivedPath, PersistReceivedAsync);
    }

    private static async Task<IResult> PersistReceivedAsync(HttpContext context, LocalEventPersistence persistence)
    {
        var ct = context.RequestAborted;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = PersistProtocol.MaxBodyBytes;
        var request = await ReadAsync<ReceivedPersistRequest>(context, ct);
        try
        {
            return Results.Json(await persistence.PersistReceivedAsync(request, ct), PersistProtocol.Json);
        }
        catch (MissingPrevStateException e)
        {
            throw new MatrixException(StatusCodes.Status409Conflict, PersistProtocol.MissingPrevState, e.Message,
                new JsonObject { ["event_id"] = e.EventId, ["missing"] = new JsonArray([.. e.Missing.Select(m => (JsonNode?)m)]) });
        }
        catch (RoomNotOwnedException e)
        {
            throw new MatrixException(StatusCodes.Status421MisdirectedRequest, PersistProtocol.NotRoomOwner, e.Message,
                new JsonObject { ["owner"] = e.Owner });
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidEventException)
        {
            throw MatrixException.BadJson(e.Message);
        }
    }

    private static async Task<IResult> PersistAsync(HttpContext context, LocalEventPersistence persistence)
    {
        var ct = context.RequestAborted;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = PersistProtocol.MaxBodyBytes;
        var request = await ReadAsync<PersistRequest>(context, ct);
        try
        {
            var result = await persistence.PersistAsync(request, ct);
            return Results.Json(result, PersistProtocol.Json);
        }
        catch (RoomMovedOnException e)
        {
            throw new MatrixException(StatusCodes.Status409Conflict, PersistProtocol.RoomMovedOn, e.Message);
        }
        catch (DuplicateTransactionException e)
        {
            throw new MatrixException(StatusCodes.Status409Conflict, PersistProtocol.DuplicateTransaction, e.Message,
                new JsonObject { ["transaction"] = JsonSerializer.SerializeToNode(e.Transaction, PersistProtocol.Json) });
        }
        catch (RoomNotOwnedException e)
        {
            throw new MatrixException(StatusCodes.Status421MisdirectedRequest, PersistProtocol.NotRoomOwner, e.Message,
                new JsonObject { ["owner"] = e.Owner });
        }
        catch (Exception e) when (e is ArgumentException or JsonException or InvalidEventException)
        {
            // An event that does not parse, hash to its ID or belong to the room: the creator is wrong.
            throw MatrixException.BadJson(e.Message);
        }
    }

    private static async Task<T> ReadAsync<T>(HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(context.Request.Body, PersistProtocol.Json, cancellationToken)
                ?? throw MatrixException.BadJson("The body must be a persist request.");
        }
        catch (JsonException e)
        {
            throw MatrixException.BadJson($"Not a persist request: {e.Message}");
        }
    }
}
