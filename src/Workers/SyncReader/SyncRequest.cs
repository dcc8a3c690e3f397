using System.Globalization;
using Cluster.Replication.Tokens;
using Cluster.Shared.Http;
using Cluster.Workers.ClientReader.Filters;

namespace Cluster.Workers.SyncReader;

/// <summary>A parsed <c>GET /sync</c>: who asks, from which token, how long to wait, with which filter.</summary>
public sealed record SyncRequest(Requester Requester, SyncToken? Since, TimeSpan Timeout, bool FullState, Filter Filter)
{
    /// <summary>Longest long-poll honoured; clients ask for 30 s, a larger ask is cut rather than refused.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(3);

    public string UserId => Requester.User.ToString();

    public static async Task<SyncRequest> ParseAsync(HttpContext context, FilterResolver filters)
    {
        var query = context.Request.Query;
        var requester = context.Requester();
        SyncToken? since = null;
        if (query["since"].ToString() is { Length: > 0 } sinceText && !SyncToken.TryParse(sinceText, out since, out var error))
            throw MatrixException.InvalidParam($"Invalid since token ({error})");
        var timeout = TimeSpan.Zero;
        if (query["timeout"].ToString() is { Length: > 0 } timeoutText)
        {
            if (!long.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
                throw MatrixException.InvalidParam("timeout must be a non-negative integer of milliseconds");
            timeout = TimeSpan.FromMilliseconds(Math.Min(ms, (long)MaxTimeout.TotalMilliseconds));
        }
        var fullState = query["full_state"].ToString() switch
        {
            "" or "false" => false,
            "true" => true,
            _ => throw MatrixException.InvalidParam("full_state must be true or false"),
        };
        if (query["set_presence"].ToString() is { Length: > 0 } presence && presence is not ("online" or "offline" or "unavailable"))
            throw MatrixException.InvalidParam("set_presence must be online, offline or unavailable");
        var filter = await filters.ResolveAsync(requester.User.ToString(), query["filter"].ToString(), context.RequestAborted);
        return new SyncRequest(requester, since, timeout, fullState, filter);
    }
}
