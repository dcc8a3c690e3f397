using System.Text.Json.Nodes;
using Cluster.Shared.Http;
using Cluster.Workers.Host;
using Cluster.Workers.Host.Internal;
using Microsoft.AspNetCore.Http.Features;

namespace Cluster.Workers.StreamWriters.Common;

/// <summary>
/// The writer's side of <see cref="RemoteStreamWriter"/>: <c>POST /_internal/streams/{stream}/{operation}</c>,
/// answered only by the instance that writes the stream, which performs the write locally and
/// replies with what it wrote (<see cref="WrittenField"/>) or the write's Matrix error.
/// </summary>
public static class InternalStreamWrites
{
    /// <summary>The reply's field holding the <see cref="StreamWritten"/> of the write, when it wrote rows.</summary>
    public const string WrittenField = "written";

    public static string Path(string stream, string operation) => $"streams/{stream}/{operation}";

    /// <summary>The group of <paramref name="stream"/>'s internal writes; map one POST per operation on it.</summary>
    public static RouteGroupBuilder MapInternalStreamWrites(this IEndpointRouteBuilder endpoints, string stream)
    {
        var group = endpoints.MapInternal().MapGroup("streams/" + stream);
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var cluster = http.RequestServices.GetRequiredService<ClusterContext>();
            // Never passed on: two instances disagreeing about the topology must not bounce a write between them.
            if (cluster.RemoteWriterOf(stream) is { } writer)
                throw new MatrixException(StatusCodes.Status421MisdirectedRequest, ErrCodes.Unknown,
                    $"Instance {cluster.Instance?.Name} does not write the {stream} stream; {writer.Name} does.");
            // The caller admitted the client's body under the public limit; re-encoded and wrapped
            // for this call it may be somewhat longer, and the caller holds the cluster secret.
            if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
                limit.MaxRequestBodySize = null;
            return await next(invocation);
        });
        return group;
    }

    /// <summary>The reply to a write: <paramref name="reply"/> (or <c>{}</c>) with where the rows landed.</summary>
    public static IResult Reply(StreamWritten? written, JsonObject? reply = null)
    {
        reply ??= [];
        if (written is not null)
            reply[WrittenField] = written.ToJson();
        return Results.Json(reply);
    }
}
