using System.Text.Json.Nodes;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Signing;

namespace Cluster.Shared.Federation.Authentication;

/// <summary>
/// The JSON a federation request's X-Matrix signature covers: method, URI (path and query as
/// sent), origin, destination and, when the request has a body, its JSON as <c>content</c>.
/// </summary>
public static class FederationRequestSignature
{
    public static JsonObject SignedJson(string method, string uri, ServerName origin, ServerName? destination, JsonNode? content)
    {
        var json = new JsonObject
        {
            ["method"] = method,
            ["uri"] = uri,
            ["origin"] = origin.ToString(),
        };
        if (destination is { } d)
            json["destination"] = d.ToString();
        if (content is not null)
            json["content"] = content.DeepClone();
        return json;
    }

    /// <summary>The Authorization header for a request this server sends.</summary>
    public static XMatrixAuthorization Sign(
        string method, string uri, ServerName origin, ServerName destination, JsonNode? content, Ed25519SigningKey key)
    {
        var json = SignedJson(method, uri, origin, destination, content);
        return new XMatrixAuthorization(origin, destination, key.KeyId, JsonSignatures.ComputeSignature(json, key));
    }

    /// <summary>Whether <paramref name="header"/>'s signature over the request is valid under <paramref name="key"/>.</summary>
    public static bool Verify(string method, string uri, XMatrixAuthorization header, JsonNode? content, Ed25519VerifyKey key)
    {
        var json = SignedJson(method, uri, header.Origin, header.Destination, content);
        json[JsonSignatures.SignaturesKey] = new JsonObject
        {
            [header.Origin.ToString()] = new JsonObject { [header.KeyId.ToString()] = header.Signature },
        };
        return JsonSignatures.Verify(json, header.Origin.ToString(), key).IsValid;
    }
}
