using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json.Nodes;
using Cluster.Shared.Json;
using Microsoft.AspNetCore.Http;

namespace Cluster.Shared.Http;

/// <summary>Reads request bodies with the strict parser, so clients get the spec's JSON errors.</summary>
public static class RequestBody
{
    /// <summary>
    /// The body as a JSON object. An empty body reads as <c>{}</c> when <paramref name="emptyIsEmptyObject"/>
    /// (several endpoints accept no body); otherwise it is M_NOT_JSON.
    /// </summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpContext context, bool emptyIsEmptyObject = false)
    {
        var bytes = await ReadBytesAsync(context);
        if (bytes.Length == 0 && emptyIsEmptyObject)
            return [];
        return StrictJson.ParseObject(bytes);
    }

    public static async Task<byte[]> ReadBytesAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            if (result.IsCompleted)
            {
                var bytes = result.Buffer.ToArray();
                reader.AdvanceTo(result.Buffer.End);
                return bytes;
            }
            // Keep everything buffered until the end: Kestrel's body size limit bounds it.
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }
}
