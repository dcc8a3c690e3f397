using System.Text.Json.Nodes;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;

namespace Cluster.Workers.ClientReader.Federation;

/// <summary>
/// What a client gets when a read it made had to ask another server and that server did not give
/// a usable answer. As Synapse does: a server that cannot be reached, answers 5xx or answers
/// nonsense is <c>502 M_UNKNOWN</c>; its 400, 403 and 404 reach the client with their status (a 401
/// is about this server's signature, never the client's token, so it is a 502 too).
/// </summary>
public static class RemoteAnswers
{
    /// <summary>The details (DNS, connection, TLS) are for the log, not the client: they describe this server's network.</summary>
    public static MatrixException Unreachable(ServerName server, string what) =>
        BadGateway($"Failed to fetch {what}: {server} could not be reached.");

    public static MatrixException Malformed(ServerName server, string what) =>
        BadGateway($"Failed to fetch {what}: {server}'s answer is not of the expected shape.");

    /// <summary>The client's error for a response that is not a success.</summary>
    public static MatrixException Refused(ServerName server, string what, FederationResponse response) => response.Status switch
    {
        StatusCodes.Status404NotFound => MatrixException.NotFound($"{server} does not know {what}."),
        StatusCodes.Status400BadRequest or StatusCodes.Status403Forbidden =>
            new MatrixException(response.Status, ErrCodeOf(response.Body), $"{server} refused to give {what}: {ErrorOf(response.Body)}"),
        _ => BadGateway($"Failed to fetch {what}: {server} answered {response.Status}."),
    };

    private static MatrixException BadGateway(string message) => new(StatusCodes.Status502BadGateway, ErrCodes.Unknown, message);

    // Only a spec-shaped errcode is passed on, and never one that would tell the client its own token is bad.
    private static string ErrCodeOf(JsonNode? body) =>
        body is JsonObject o && o["errcode"] is JsonValue v && v.TryGetValue<string>(out var code)
        && code.Length <= 64 && code.StartsWith("M_", StringComparison.Ordinal) && code.All(c => c is '_' or (>= 'A' and <= 'Z'))
        && code is not (ErrCodes.UnknownToken or ErrCodes.MissingToken)
            ? code
            : ErrCodes.Unknown;

    private static string ErrorOf(JsonNode? body) =>
        body is JsonObject o && o["error"] is JsonValue v && v.TryGetValue<string>(out var text) ? text[..Math.Min(text.Length, 200)] : "no reason given";
}
