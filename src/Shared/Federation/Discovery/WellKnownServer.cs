using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Json;

namespace Cluster.Shared.Federation.Discovery;

/// <summary>Reads a <c>/.well-known/matrix/server</c> body: <c>{"m.server": "host[:port]"}</c>.</summary>
public static class WellKnownServer
{
    /// <summary>The delegated server, or null when the body is not JSON or names no valid server.</summary>
    public static ServerName? Parse(ReadOnlySpan<byte> body)
    {
        JsonNode? json;
        try
        {
            json = StrictJson.Parse(body);
        }
        catch (InvalidJsonException)
        {
            return null;
        }
        return json is JsonObject obj
               && obj["m.server"] is JsonValue value
               && value.TryGetValue<string>(out var text)
               && ServerName.TryParse(text, out var delegated)
            ? delegated
            : null;
    }
}
