using System.Text.Json;
using System.Text.Json.Nodes;
using Cluster.Replication.Notifier;
using Cluster.Shared.Configuration.Topology;
using Cluster.Shared.Http;
using Cluster.Workers.Host.Internal;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>
/// Asks the instance that writes a stream to perform a write this process cannot (internal
/// HTTP, <see cref="InternalStreamWrites"/> on the other side), and waits until this process's
/// follower has applied it. The writer's Matrix errors reach the client as they are, so a
/// request fails the same way whichever process took it.
/// </summary>
public sealed class RemoteStreamWriter(
    InternalClient client, TopologyInstance writer, string stream, StreamNotifier notifier, ILogger<RemoteStreamWriter> logger)
{
    public TopologyInstance Writer => writer;

    public string Stream => stream;

    /// <summary>Performs <paramref name="operation"/> on the writer; returns its reply (without the write's position).</summary>
    public async Task<JsonObject> WriteAsync(string operation, JsonObject request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(writer, HttpMethod.Post, InternalStreamWrites.Path(stream, operation), request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            logger.LogWarning(e, "Could not reach {Writer}, the writer of the {Stream} stream", writer.Name, stream);
            throw Unavailable();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{Writer}, the writer of the {Stream} stream, did not answer in time", writer.Name, stream);
            throw Unavailable();
        }
        using (response)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw RelayedError((int)response.StatusCode, body);
            if (ParseObject(body) is not { } reply)
            {
                logger.LogError("{Writer}, the writer of the {Stream} stream, answered {Operation} with a body that is not a JSON object",
                    writer.Name, stream, operation);
                throw BadGateway();
            }
            if (reply.Remove(InternalStreamWrites.WrittenField, out var written) && StreamWritten.FromJson(written) is { } position)
                await position.WaitUntilVisibleAsync(notifier, cancellationToken);
            return reply;
        }
    }

    private MatrixException RelayedError(int status, byte[] body)
    {
        if (MatrixError(status, body) is { } error)
            return error;
        logger.LogError("{Writer}, the writer of the {Stream} stream, failed with {Status} and no Matrix error", writer.Name, stream, status);
        return BadGateway();
    }

    /// <summary>
    /// The writer's error as this process's: its status, errcode, message and extra fields
    /// (retry_after_ms and the like); null when the answer is not a Matrix error.
    /// </summary>
    public static MatrixException? MatrixError(int status, byte[] body)
    {
        if (status is < 400 or > 599 || ParseObject(body) is not { } error
            || error["errcode"] is not JsonValue errcode || !errcode.TryGetValue<string>(out var code))
            return null;
        var message = error["error"] is JsonValue text && text.TryGetValue<string>(out var m) ? m : "";
        error.Remove("errcode");
        error.Remove("error");
        return new MatrixException(status, code, message, error.Count > 0 ? error : null);
    }

    private static JsonObject? ParseObject(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private MatrixException Unavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, ErrCodes.Unknown, $"The {stream} stream's writer is unavailable; try again later.");

    private MatrixException BadGateway() =>
        new(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"The {stream} stream's writer failed.");
}
