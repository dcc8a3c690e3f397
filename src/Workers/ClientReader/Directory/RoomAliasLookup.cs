using Cluster.Shared.Configuration;
using Cluster.Shared.Federation.Client;
using Cluster.Shared.Http;
using Cluster.Shared.Identifiers;
using Cluster.Shared.Storage.Events;
using Cluster.Workers.ClientReader.Federation;
using Microsoft.Extensions.Options;
using Outcome = Cluster.Workers.ClientReader.Federation.RemoteAnswerCache<string, Cluster.Shared.Storage.Events.ResolvedAlias>.Outcome;

namespace Cluster.Workers.ClientReader.Directory;

/// <summary>
/// <c>GET /directory/room/{alias}</c>'s answer: this server's aliases from its own table, other
/// servers' from their server, kept for <see cref="TimeToLive"/>. The endpoint needs no token, so
/// without the kept answers anyone could make this server query another in a loop.
/// </summary>
public sealed class RoomAliasLookup(
    LocalAliasDirectory local, FederationClient federation, IOptions<ClusterOptions> cluster, TimeProvider clock, ILogger<RoomAliasLookup> logger)
{
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(30);
    public const int MaxEntries = 10_000;

    private readonly RemoteAnswerCache<string, ResolvedAlias> _remote = new(TimeToLive, MaxEntries, clock);

    /// <summary>Throws the <see cref="MatrixException"/> the client gets when the alias names no room.</summary>
    public async Task<ResolvedAlias> ResolveAsync(RoomAlias alias, CancellationToken cancellationToken)
    {
        if (alias.ServerName.ToString() == cluster.Value.ServerName)
            return await local.ResolveAsync(alias, cancellationToken)
                ?? throw MatrixException.NotFound($"Room alias {alias} not found.");
        return await _remote.GetAsync(alias.ToString(), () => AskAsync(alias, cancellationToken));
    }

    private async Task<Outcome> AskAsync(RoomAlias alias, CancellationToken cancellationToken)
    {
        var what = $"the room alias {alias}";
        RemoteAliasAnswer answer;
        try
        {
            answer = await RemoteAliasQuery.AskAsync(federation, alias, cancellationToken);
        }
        catch (FederationRequestException e)
        {
            logger.LogInformation("Resolving {RoomAlias} failed: {Reason}", alias, e.Message);
            return Outcome.Failed(RemoteAnswers.Unreachable(alias.ServerName, what));
        }
        if (answer.Resolved is { } resolved)
            return Outcome.Found(resolved);
        logger.LogInformation("Resolving {RoomAlias} failed: {Server} answered {Status}", alias, alias.ServerName, answer.Response.Status);
        return Outcome.Failed(answer.Response.IsSuccess
            ? RemoteAnswers.Malformed(alias.ServerName, what)
            : answer.Response.Status == StatusCodes.Status404NotFound
                ? MatrixException.NotFound($"Room alias {alias} not found.")
                : RemoteAnswers.Refused(alias.ServerName, what, answer.Response));
    }
}
