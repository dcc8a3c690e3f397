using Cluster.Shared.Events;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;

namespace Cluster.Workers.EventCreator.Membership;

/// <summary>
/// How another server's answer to a membership handshake (join, leave, knock, invite) reaches the
/// client: its refusal (403) as M_FORBIDDEN, a room it does not know (404) as M_NOT_FOUND, a room
/// version this server lacks as M_INCOMPATIBLE_ROOM_VERSION, and anything else, like a server that
/// cannot be reached or answers nonsense, as 502 M_UNKNOWN: the fault is not the client's, nor ours.
/// </summary>
public static class RemoteMembershipErrors
{
    public static MatrixException Refused(ServerName server, string step, FederationResponse response)
    {
        var errcode = Pdu.StringOf(response.Body?["errcode"]);
        var error = Pdu.StringOf(response.Body?["error"]) ?? $"HTTP {response.Status}";
        return response.Status switch
        {
            StatusCodes.Status403Forbidden => MatrixException.Forbidden($"{server} refused {step}: {error}"),
            StatusCodes.Status404NotFound => MatrixException.NotFound($"{server} does not know the room ({errcode ?? step}: {error})."),
            StatusCodes.Status400BadRequest when errcode == ErrCodes.IncompatibleRoomVersion =>
                new MatrixException(StatusCodes.Status400BadRequest, ErrCodes.IncompatibleRoomVersion, $"{server}: {error}"),
            _ => BadGateway(server, $"answered {step} with {response.Status}: {error}"),
        };
    }

    /// <summary>The details (DNS, connection, TLS) are for the log, not the client: they describe this server's network.</summary>
    public static MatrixException Unreachable(ServerName server) => BadGateway(server, "could not be reached.");

    public static MatrixException BadGateway(ServerName server, string what) =>
        new(StatusCodes.Status502BadGateway, ErrCodes.Unknown, $"{server} {what}");

    /// <summary>
    /// Runs <paramref name="attempt"/> through each of <paramref name="servers"/> in turn until one
    /// succeeds. A refusal is kept over a server that could not be reached: the client learns why
    /// the room said no rather than that some server was down.
    /// </summary>
    public static async Task<T> FirstThatLetsAsync<T>(
        IReadOnlyList<string> servers, string what, Func<ServerName, Task<T>> attempt, ILogger logger)
    {
        MatrixException? refusal = null;
        foreach (var server in servers)
        {
            if (!ServerName.TryParse(server, out var resident))
                continue;
            try
            {
                return await attempt(resident);
            }
            catch (MatrixException e)
            {
                refusal = e;
                logger.LogInformation("{What} through {Server} failed: {Reason}", what, server, e.Message);
            }
            catch (FederationRequestException e)
            {
                refusal ??= Unreachable(resident);
                logger.LogInformation("{What} through {Server} failed: {Reason}", what, server, e.Message);
            }
        }
        throw refusal ?? MatrixException.NotFound($"No server could be asked: {what}.");
    }
}
